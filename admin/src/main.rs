//! `ccbridge-admin`: operator commands.

use std::path::PathBuf;
use std::process::ExitCode;

use ccbridge::config::{ChannelId, Config, ConfigSource, FILE_ENV, TenantId};
use ccbridge::jobs::{JobKind, JobStatus};
use ccbridge::phone::Country;
use ccbridge::store::Store;
use ccbridge_admin::{CrmRecords, JobFilter, Requeue, Requeueable};
use clap::{ArgGroup, Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Parser)]
#[command(about = "ccbridge operator commands")]
struct Cli {
    /// The configuration document (provision-chat, ex and crm only); default: CCBRIDGE_CONFIG_FILE
    /// or CCBRIDGE_CONFIG_PARAMETER (SSM).
    #[arg(long, global = true, display_order = 100)]
    config: Option<PathBuf>,
    /// The DynamoDB table; default: TABLE_NAME.
    #[arg(long, global = true, display_order = 100)]
    table: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create (or find by name and reuse) the open-messaging integrations of a chatbot channel,
    /// one per skill plus one without, and record their ids. Idempotent.
    ProvisionChat {
        /// The chatbot channel id, e.g. bot-demo.
        #[arg(long)]
        channel: String,
    },
    /// Genesys Cloud EX: the organisation's external source, and configuration sync.
    Ex {
        #[command(subcommand)]
        command: ExCommand,
    },
    /// Outbound jobs (recordings to copy and upload, calls to send to Genesys Cloud EX): list,
    /// show, requeue, count.
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
    /// The tenants' customer records: contacts and companies loaded from their own CRM.
    Crm {
        #[command(subcommand)]
        command: CrmCommand,
    },
}

#[derive(Debug, Subcommand)]
enum CrmCommand {
    /// Import contacts or companies from a CSV file, so that the WDE search finds them.
    ///
    /// The first row names the columns: for contacts external_id, first_name, last_name, name,
    /// email, phone, messenger_id, company_external_id; for companies external_id, name,
    /// tax_id, token, phone, email. A bad row is reported with its line and skipped. Records
    /// are known by external_id: importing the same file again changes nothing. Import
    /// companies before the contacts that name them.
    Import {
        /// contacts or companies.
        #[arg(value_name = "contacts|companies", value_parser = parse_records)]
        records: CrmRecords,
        /// The tenant the records are of, e.g. default.
        #[arg(long, value_parser = parse_tenant)]
        tenant: TenantId,
        /// The CSV file (UTF-8, comma-separated, a header row).
        #[arg(long)]
        file: PathBuf,
        /// The country of phone numbers written without a country code (ISO 3166, e.g. PL)
        /// [default: the default_country of the tenant's first UIS or WDE channel].
        #[arg(long, value_parser = parse_country)]
        country: Option<Country>,
    },
}

fn parse_records(name: &str) -> Result<CrmRecords, String> {
    match name {
        "contacts" => Ok(CrmRecords::Contacts),
        "companies" => Ok(CrmRecords::Companies),
        _ => Err(format!("{name:?} is neither contacts nor companies")),
    }
}

fn parse_tenant(name: &str) -> Result<TenantId, String> {
    TenantId::try_from(name.to_owned())
}

fn parse_country(code: &str) -> Result<Country, String> {
    Country::try_from(code.to_owned())
}

#[derive(Debug, Subcommand)]
enum ExCommand {
    /// Create (or find by name and adopt) the organisation's presence source, the `sourceId` of
    /// every external conversation and agent state, and record its id. Idempotent.
    Provision {
        /// The genesys_cloud channel id, e.g. genesys-demo.
        #[arg(long)]
        channel: String,
    },
    /// Print what configuration sync would change in the organisation, object by object:
    /// users, queues, memberships and wrap-up codes from the UIS accounts linked to it.
    Plan {
        /// The genesys_cloud channel id, e.g. genesys-demo.
        #[arg(long)]
        channel: String,
    },
    /// Make exactly the changes `plan` prints, with a progress bar. Resumable after an
    /// interruption; a second run changes nothing.
    Apply {
        /// The genesys_cloud channel id, e.g. genesys-demo.
        #[arg(long)]
        channel: String,
    },
}

#[derive(Debug, Subcommand)]
enum JobsCommand {
    /// List jobs, newest first: id, kind, status, attempts, due (or finished) time, last error.
    List {
        /// Only jobs in this status: pending, running, retry, done or failed [default: every status].
        #[arg(long, value_name = "STATUS", value_parser = ccbridge_admin::parse_status)]
        status: Option<JobStatus>,
        #[command(flatten)]
        only: KindAndChannel,
        /// At most this many jobs.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Print one job in full, as JSON (read consistently, unlike `list`).
    Show {
        /// The job id (`<channel>:<call_session_id>:<link_id>`, as `list` prints it).
        id: String,
    },
    /// Put failed jobs, and jobs stuck running past their lease, back to pending.
    ///
    /// Attempts are reset and the job is due now: the table's stream brings it to its worker
    /// again (and the sweep would too); steps already done (the copy in S3, the Genesys
    /// upload) are kept. Each job is one conditional write: a job that changed meanwhile is
    /// left alone.
    #[command(group(ArgGroup::new("target").required(true).args(["job", "all"])))]
    Requeue {
        /// One job id (`<channel>:<call_session_id>:<link_id>`, as `list` prints it).
        #[arg(long, value_name = "ID")]
        job: Option<String>,
        /// Every failed and stuck job (narrowed by the options below), with a progress bar.
        #[arg(long)]
        all: bool,
        /// With --all: only `failed` jobs, or only `stuck` ones (running past their lease)
        /// [default: both].
        #[arg(long, value_name = "failed|stuck", conflicts_with = "job", value_parser = Requeueable::parse)]
        status: Option<Requeueable>,
        #[command(flatten)]
        only: RequeueKindAndChannel,
    },
    /// Count jobs per status and per kind, and show how long the oldest due job has waited.
    Stats,
}

#[derive(Debug, Args)]
struct KindAndChannel {
    /// Only jobs of this kind: recording, conversation or agent_state.
    #[arg(long, value_name = "KIND", value_parser = ccbridge_admin::parse_kind)]
    kind: Option<JobKind>,
    /// Only jobs of this channel, e.g. uis-main.
    #[arg(long, value_name = "CHANNEL", value_parser = ccbridge_admin::parse_channel)]
    channel: Option<ChannelId>,
}

#[derive(Debug, Args)]
struct RequeueKindAndChannel {
    /// With --all: only jobs of this kind: recording.
    #[arg(long, value_name = "KIND", conflicts_with = "job", value_parser = ccbridge_admin::parse_kind)]
    kind: Option<JobKind>,
    /// With --all: only jobs of this channel, e.g. uis-main.
    #[arg(long, value_name = "CHANNEL", conflicts_with = "job", value_parser = ccbridge_admin::parse_channel)]
    channel: Option<ChannelId>,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ccbridge-admin: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let sdk = ccbridge::aws::sdk_config().await;
    let table = cli
        .table
        .or_else(|| std::env::var(ccbridge::app::TABLE_ENV).ok().filter(|t| !t.is_empty()))
        .ok_or("no table: pass --table or set TABLE_NAME")?;
    let store = Store::new(ccbridge::aws::dynamodb(&sdk), table);
    match cli.command {
        Command::ProvisionChat { channel } => {
            let app = app(cli.config, &sdk, store).await?;
            for done in ccbridge_admin::provision_chat(&app, &channel).await? {
                let action = format!("{:?}", done.action).to_lowercase();
                println!("{action:<8} {}  {}", done.integration_id, done.name);
            }
            Ok(())
        }
        Command::Ex { command: ExCommand::Provision { channel } } => {
            use ccbridge::ex::source::Provisioned;
            let app = app(cli.config, &sdk, store).await?;
            let (action, source) = match ccbridge_admin::provision_ex(&app, &channel).await? {
                Provisioned::Created(s) => ("created", s),
                Provisioned::Adopted(s) => ("adopted", s),
                Provisioned::Unchanged(s) => ("unchanged", s),
            };
            println!("{action:<9} presence source {}  {}", source.source_id, source.name);
            Ok(())
        }
        Command::Ex { command: ExCommand::Plan { channel } } => {
            let app = app(cli.config, &sdk, store).await?;
            for plan in ccbridge_admin::plan_ex_sync(&app, &channel).await? {
                println!("{} → {}: {} changes", plan.platform, plan.genesys, plan.actions.len());
                for action in &plan.actions {
                    println!("  {action}");
                }
                for left_out in &plan.desired.left_out {
                    println!("  left out: {left_out}");
                }
            }
            Ok(())
        }
        Command::Ex { command: ExCommand::Apply { channel } } => {
            let app = app(cli.config, &sdk, store).await?;
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            let progress = |done: usize, of: usize, action: &ccbridge::ex::sync::plan::Action| {
                bar.set_length(of as u64);
                bar.set_position(done as u64);
                bar.set_message(action.to_string());
            };
            let wait = async |after: std::time::Duration| {
                bar.set_message(format!("Genesys Cloud asks to wait {} s", after.as_secs()));
                tokio::time::sleep(after).await;
            };
            let applied = ccbridge_admin::apply_ex_sync(&app, &channel, progress, wait).await;
            bar.finish_and_clear();
            println!("{} changes applied", applied?);
            Ok(())
        }
        Command::Jobs { command } => jobs(&store, command).await,
        Command::Crm { command: CrmCommand::Import { records, tenant, file, country } } => {
            let config = load_config(cli.config, &sdk).await?;
            let country = ccbridge_admin::crm_import_country(&config, &tenant, country)?;
            let opened = std::fs::File::open(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let bar = ProgressBar::new(0).with_style(
                ProgressStyle::with_template("{bar:40} {pos}/{len} rows  {elapsed_precise} (eta {eta})")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            let reader = std::io::BufReader::new(opened);
            let imported = ccbridge_admin::import_crm_csv(&store, &tenant, country, records, reader, |done, total| {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            })
            .await;
            bar.finish_and_clear();
            let imported = imported?;
            for error in &imported.errors {
                eprintln!("{}: {error}", file.display());
            }
            println!("{}", imported.summary(records));
            Ok(())
        }
    }
}

/// The functions' state, for the commands that call Genesys Cloud: only they need the
/// configuration document (the jobs commands read the table).
async fn app(config: Option<PathBuf>, sdk: &aws_config::SdkConfig, store: Store) -> Result<ccbridge::App, String> {
    let config = load_config(config, sdk).await?;
    let blobs = ccbridge::store::Blobs::new(ccbridge::aws::s3(sdk), String::new());
    ccbridge::App::new(config, store, blobs).map_err(|e| e.to_string())
}

/// The configuration document: `--config`, else the one the environment names.
async fn load_config(config: Option<PathBuf>, sdk: &aws_config::SdkConfig) -> Result<Config, String> {
    let source = match config {
        Some(path) => ConfigSource::File(path),
        None => ConfigSource::from_env().map_err(|e| format!("{e} (or pass --config; {FILE_ENV} names a file)"))?,
    };
    source.load(sdk).await.map_err(|e| e.to_string())
}

async fn jobs(store: &Store, command: JobsCommand) -> Result<(), String> {
    let now = ccbridge::clock::now();
    match command {
        JobsCommand::List { status, only, limit } => {
            let filter = JobFilter { status, kind: only.kind, channel: only.channel };
            for job in ccbridge_admin::list_jobs(store, &filter, limit).await? {
                println!("{}", ccbridge_admin::job_line(&job));
            }
        }
        JobsCommand::Show { id } => {
            let job = ccbridge_admin::show_job(store, &id).await?;
            println!("{}", ccbridge_admin::job_json(&job)?);
        }
        JobsCommand::Requeue { job: Some(id), .. } => {
            let report =
                ccbridge_admin::requeue_jobs(store, Requeue::One(id.clone()), &JobFilter::default(), now, |_, _| {})
                    .await?;
            if report.requeued.is_empty() {
                println!("left alone {id}: it is neither failed nor running past its lease (see `jobs show {id}`)");
            } else {
                println!("requeued {id}");
            }
        }
        JobsCommand::Requeue { job: None, all: _, status, only } => {
            let filter = JobFilter { status: None, kind: only.kind, channel: only.channel };
            let which = status.unwrap_or_default();
            let bar = ProgressBar::new(0).with_style(
                ProgressStyle::with_template("{bar:40} {pos}/{len} jobs  {elapsed_precise} (eta {eta})")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            let report = ccbridge_admin::requeue_jobs(store, Requeue::All { which }, &filter, now, |done, total| {
                bar.set_length(total);
                bar.set_position(done);
            })
            .await;
            bar.finish_and_clear();
            let report = report?;
            println!("requeued {}, left alone {}", report.requeued.len(), report.left_alone);
        }
        JobsCommand::Stats => {
            print!("{}", ccbridge_admin::stats_table(&ccbridge_admin::job_stats(store, now).await?));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from([&["ccbridge-admin"], args].concat())
    }

    #[test]
    fn the_cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn requeue_takes_one_job_or_all_and_filters_only_with_all() {
        assert!(parse(&["jobs", "requeue"]).is_err(), "--job or --all");
        assert!(parse(&["jobs", "requeue", "--job", "a:1:b", "--all"]).is_err());
        assert!(parse(&["jobs", "requeue", "--job", "a:1:b", "--status", "failed"]).is_err());
        assert!(parse(&["jobs", "requeue", "--all", "--status", "running"]).is_err(), "failed or stuck");
        let Ok(Cli { command: Command::Jobs { command: JobsCommand::Requeue { status, only, .. } }, .. }) =
            parse(&["jobs", "requeue", "--all", "--status", "stuck", "--channel", "uis-main"])
        else {
            panic!("parsed");
        };
        assert_eq!(status, Some(Requeueable::Stuck));
        assert_eq!(only.channel.map(String::from).as_deref(), Some("uis-main"));
    }

    #[test]
    fn crm_import_takes_the_records_a_tenant_a_file_and_maybe_a_country() {
        let Ok(Cli {
            command: Command::Crm { command: CrmCommand::Import { records, tenant, file, country } }, ..
        }) = parse(&["crm", "import", "contacts", "--tenant", "default", "--file", "contacts.csv"])
        else {
            panic!("parsed");
        };
        assert_eq!(
            (records, tenant.as_str(), file, country),
            (CrmRecords::Contacts, "default", "contacts.csv".into(), None)
        );
        let with_country =
            parse(&["crm", "import", "companies", "--tenant", "acme", "--file", "c.csv", "--country", "PL"]);
        assert!(matches!(with_country, Ok(Cli { command: Command::Crm { .. }, .. })));
        assert!(parse(&["crm", "import", "people", "--tenant", "default", "--file", "x.csv"]).is_err());
        assert!(parse(&["crm", "import", "contacts", "--tenant", "Not A Slug", "--file", "x.csv"]).is_err());
        assert!(
            parse(&["crm", "import", "contacts", "--tenant", "default", "--file", "x.csv", "--country", "pl"]).is_err()
        );
        assert!(parse(&["crm", "import", "contacts", "--file", "x.csv"]).is_err(), "--tenant is required");
    }

    #[test]
    fn list_checks_status_kind_and_channel() {
        assert!(parse(&["jobs", "list", "--status", "stuck"]).is_err());
        assert!(parse(&["jobs", "list", "--kind", "chat"]).is_err());
        assert!(parse(&["jobs", "list", "--channel", "Not A Slug"]).is_err());
        let Ok(Cli { command: Command::Jobs { command: JobsCommand::List { status, only, limit } }, .. }) =
            parse(&["jobs", "list", "--status", "failed", "--kind", "recording"])
        else {
            panic!("parsed");
        };
        assert_eq!(
            (status, only.kind, only.channel, limit),
            (Some(JobStatus::Failed), Some(JobKind::Recording), None, 50)
        );
    }
}
