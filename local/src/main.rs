//! `ccbridge-local`: run every function locally, or invoke one with a sample event.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use ccbridge::config::Config;
use ccbridge_local::stack::{DynamoDb, Options, Stack};
use ccbridge_local::streams::FeedOptions;
use clap::{Parser, Subcommand};

const DEFAULT_CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/ccbridge.toml");

#[derive(Parser)]
#[command(about = "Every ccbridge function on 127.0.0.1, on embedded DynamoDB and S3")]
struct Cli {
    /// Folder keeping the table (SQLite) and the bucket (files) across restarts.
    #[arg(long, default_value = ".ccbridge", global = true)]
    data_dir: PathBuf,
    /// The configuration document (channels, secrets, mappings).
    #[arg(long, default_value = DEFAULT_CONFIG, global = true)]
    config: PathBuf,
    #[arg(long, default_value = "ccbridge-local", global = true)]
    table: String,
    #[arg(long, default_value = "ccbridge-local", global = true)]
    bucket: String,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API (the default).
    Serve {
        #[arg(long, default_value_t = 3000)]
        port: u16,
        /// Seconds between two runs of each scheduled function (the job sweep), which runs
        /// every minute deployed.
        #[arg(long, default_value_t = 5)]
        schedule_every: u64,
        #[arg(long, default_value_t = 3001)]
        dynamodb_port: u16,
        #[arg(long, default_value_t = 3002)]
        s3_port: u16,
    },
    /// Invoke one function with an API Gateway event file, e.g. events/status/get.json.
    Invoke { function: String, event: PathBuf },
    /// Print the OpenAPI document of every HTTP operation (what docs/openapi.json holds).
    Openapi,
}

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, port))
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,aws=warn,hyper=warn,dynoxide=error,s3s=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ccbridge-local: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    if let Some(Command::Openapi) = cli.command {
        print!("{}", ccbridge::openapi::document_text());
        return Ok(());
    }
    let text = std::fs::read_to_string(&cli.config).map_err(|e| format!("{}: {e}", cli.config.display()))?;
    let config = Config::parse(&text).map_err(|e| format!("{}: {e}", cli.config.display()))?;
    std::fs::create_dir_all(&cli.data_dir).map_err(|e| format!("{}: {e}", cli.data_dir.display()))?;
    let command =
        cli.command.unwrap_or(Command::Serve { port: 3000, schedule_every: 5, dynamodb_port: 3001, s3_port: 3002 });
    let (dynamodb_port, s3_port) = match &command {
        Command::Serve { dynamodb_port, s3_port, .. } => (*dynamodb_port, *s3_port),
        Command::Invoke { .. } | Command::Openapi => (0, 0),
    };
    let database = cli.data_dir.join("dynamodb.sqlite");
    let options = Options {
        dynamodb: DynamoDb::Embedded { addr: loopback(dynamodb_port), path: Some(database.clone()) },
        s3_addr: loopback(s3_port),
        s3_root: cli.data_dir.join("s3"),
        table: cli.table.clone(),
        bucket: cli.bucket.clone(),
    };
    let stack = Stack::start(options, config).await.map_err(|e| e.to_string())?;
    match command {
        Command::Serve { port, schedule_every, .. } => {
            let addr = stack.serve(loopback(port), ccbridge_local::FUNCTIONS).await.map_err(|e| e.to_string())?;
            stack.feed_streams(ccbridge_local::STREAM_FUNCTIONS, FeedOptions::new(cli.data_dir.clone())).await;
            let every = std::time::Duration::from_secs(schedule_every.max(1));
            stack.run_schedules(ccbridge_local::SCHEDULED_FUNCTIONS, every);
            println!("ccbridge local stack");
            println!("  API       http://{addr}");
            println!("  DynamoDB  {}  table {} in {}", stack.dynamodb_endpoint, cli.table, database.display());
            println!(
                "  S3        {}  bucket {} in {}",
                stack.s3_endpoint,
                cli.bucket,
                cli.data_dir.join("s3").display()
            );
            println!("  config    {}", cli.config.display());
            println!("Routes:");
            for function in ccbridge_local::FUNCTIONS {
                for route in function.routes {
                    println!("  {:<6} {:<48} {}", route.method, route.path, function.name);
                }
            }
            for function in ccbridge_local::STREAM_FUNCTIONS {
                println!("  stream {:<48} {}", function.item_types.join(", "), function.name);
            }
            for function in ccbridge_local::SCHEDULED_FUNCTIONS {
                println!(
                    "  every  {:<48} {}",
                    format!("{schedule_every} s ({} deployed)", function.schedule),
                    function.name
                );
            }
            println!("OpenAPI   http://{addr}{}", ccbridge_local::router::OPENAPI_PATH);
            println!("Try: curl -s http://{addr}/status");
            println!("Stop with Ctrl-C; the data stays in {}.", cli.data_dir.display());
            tokio::signal::ctrl_c().await.map_err(|e| e.to_string())?;
            println!("stopping");
            Ok(())
        }
        Command::Invoke { function, event } => {
            let function = ccbridge_local::function(&function).ok_or_else(|| {
                let names: Vec<_> = ccbridge_local::FUNCTIONS.iter().map(|f| f.name).collect();
                format!("no function {function}; there are: {}", names.join(", "))
            })?;
            let text = std::fs::read_to_string(&event).map_err(|e| format!("{}: {e}", event.display()))?;
            let response = ccbridge_local::invoke::invoke(stack.app.clone(), function, &text).await?;
            println!("{}", serde_json::to_string_pretty(&response).map_err(|e| e.to_string())?);
            Ok(())
        }
        Command::Openapi => Ok(()),
    }
}
