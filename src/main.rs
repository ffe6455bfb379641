//! Entry point: parse the command line, set up logging, hand over to the library.

use std::process::ExitCode;

use clap::Parser;
use latchkey::cli::{self, Cli, Command};
use latchkey::config::{self, Config, ServeArgs};
use latchkey::startup::{Application, StartError};
use latchkey::store::Database;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // One line: the reason, without clap's usage block.
            let text = e.to_string();
            eprintln!("{}", text.lines().next().unwrap_or("error: bad arguments"));
            return ExitCode::from(2);
        }
    };
    let serving = matches!(cli.command, Command::Serve(_));
    latchkey::observe::logging::init(cli.log_format, serving);
    let _flush = FlushLogOnExit;
    let db = cli
        .db
        .map(Database::from_arg)
        .unwrap_or_else(|| config::default_db_path().into());
    let result: Result<(), Box<dyn std::error::Error>> = match cli.command {
        Command::Serve(args) => match settings(args, db).map(serve) {
            Ok(Err(e @ (StartError::OtherSecret | StartError::Passkeys { .. }))) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
            Ok(served) => served.map_err(Into::into),
            Err(code) => return code,
        },
        Command::CheckConfig(args) => match settings(args, db) {
            Ok(config) => cli::check::run(&config).map_err(Into::into),
            Err(code) => return code,
        },
        Command::Access(cli::AccessCommand::Check(args)) => return cli::access::run(&db, args),
        command => {
            if let Some(refusal) = cli::refusal(&db, &command) {
                eprintln!("error: {refusal}");
                return ExitCode::from(2);
            }
            cli::run(db, command).map_err(Into::into)
        }
    };
    // Graceful shutdown ends here: every line taken so far is written.
    latchkey::observe::log_sink::flush();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Every return from `main` writes the log lines still queued.
struct FlushLogOnExit;

impl Drop for FlushLogOnExit {
    fn drop(&mut self) {
        latchkey::observe::log_sink::flush();
    }
}

/// The validated settings, or exit code 2 after a one-line error.
fn settings(args: ServeArgs, db: Database) -> Result<Config, ExitCode> {
    let secret = std::env::var("LATCHKEY_SECRET").ok();
    let bootstrap = std::env::var("LATCHKEY_BOOTSTRAP_PASSWORD").ok();
    Config::from_args(args, db, secret, bootstrap).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })
}

fn serve(config: Config) -> Result<(), StartError> {
    latchkey::memory::tune_allocator();
    actix_web::rt::System::new().block_on(async move {
        let (bind, metrics_bind) = (config.bind, config.metrics_bind);
        let app = Application::build(config)?;
        tracing::info!("latchkey listening on http://{}:{}", bind.ip(), app.port());
        if let (Some(metrics), Some(port)) = (metrics_bind, app.metrics_port()) {
            tracing::info!("metrics on http://{}:{port}/metrics", metrics.ip());
        }
        Ok(app.run_until_stopped().await?)
    })
}
