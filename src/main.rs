//! Entry point: parse the command line, set up logging, hand over to the library.

use std::process::ExitCode;

use clap::Parser;
use latchkey::cli::{self, Cli, Command};
use latchkey::config::{self, Config};
use latchkey::startup::Application;

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
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let db = cli.db.unwrap_or_else(config::default_db_path);
    let result = match cli.command {
        Command::Serve(args) => {
            let secret = std::env::var("LATCHKEY_SECRET").ok();
            let bootstrap = std::env::var("LATCHKEY_BOOTSTRAP_PASSWORD").ok();
            match Config::from_args(args, db, secret, bootstrap) {
                Ok(config) => serve(config),
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            }
        }
        command => cli::run(db, command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn serve(config: Config) -> Result<(), String> {
    latchkey::memory::return_freed_memory_to_the_os();
    actix_web::rt::System::new().block_on(async move {
        let bind = config.bind;
        let app = Application::build(config)?;
        tracing::info!("latchkey listening on http://{}:{}", bind.ip(), app.port());
        app.run_until_stopped().await.map_err(|e| e.to_string())
    })
}
