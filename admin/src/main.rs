//! `ccbridge-admin`: operator commands.

use std::path::PathBuf;
use std::process::ExitCode;

use ccbridge::config::{ConfigSource, FILE_ENV};
use ccbridge::store::Store;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "ccbridge operator commands")]
struct Cli {
    /// The configuration document; default: CCBRIDGE_CONFIG_FILE or CCBRIDGE_CONFIG_PARAMETER (SSM).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// The DynamoDB table; default: TABLE_NAME.
    #[arg(long, global = true)]
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
    /// Recording jobs that failed for good.
    Recordings {
        #[command(subcommand)]
        command: RecordingsCommand,
    },
}

#[derive(Debug, Subcommand)]
enum RecordingsCommand {
    /// List failed jobs: id, attempts, when it failed, the last error.
    Failed,
    /// Put failed jobs back to pending (attempts reset), so the stream brings them again.
    Requeue {
        /// One job id (`<channel>:<call_session_id>:<link_id>`, as `failed` prints it).
        #[arg(long, conflicts_with = "all", required_unless_present = "all")]
        job: Option<String>,
        /// Every failed job.
        #[arg(long)]
        all: bool,
    },
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
    let source = match cli.config {
        Some(path) => ConfigSource::File(path),
        None => ConfigSource::from_env().map_err(|e| format!("{e} (or pass --config; {FILE_ENV} names a file)"))?,
    };
    let config = source.load(&sdk).await.map_err(|e| e.to_string())?;
    let table = cli
        .table
        .or_else(|| std::env::var(ccbridge::app::TABLE_ENV).ok().filter(|t| !t.is_empty()))
        .ok_or("no table: pass --table or set TABLE_NAME")?;
    let store = Store::new(ccbridge::aws::dynamodb(&sdk), table);
    match cli.command {
        Command::ProvisionChat { channel } => {
            let blobs = ccbridge::store::Blobs::new(ccbridge::aws::s3(&sdk), String::new());
            let app = ccbridge::App::new(config, store, blobs).map_err(|e| e.to_string())?;
            for done in ccbridge_admin::provision_chat(&app, &channel).await? {
                let action = format!("{:?}", done.action).to_lowercase();
                println!("{action:<8} {}  {}", done.integration_id, done.name);
            }
            Ok(())
        }
        Command::Recordings { command: RecordingsCommand::Failed } => {
            for job in ccbridge_admin::failed_recordings(&store).await? {
                let error = job.last_error.unwrap_or_default();
                let at = job.finished_at.map(ccbridge::clock::rfc3339).unwrap_or_default();
                println!("{}  attempts={}  {at}  {error}", job.job_id, job.attempts);
            }
            Ok(())
        }
        Command::Recordings { command: RecordingsCommand::Requeue { job, all: _ } } => {
            for id in ccbridge_admin::requeue_recordings(&store, job.as_deref()).await? {
                println!("requeued {id}");
            }
            Ok(())
        }
    }
}
