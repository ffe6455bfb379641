//! The log subscriber: human-readable lines by default, one JSON object per line with `--log-format
//! json`; the level comes from `RUST_LOG` (default `info`). A server writing to a file or journald
//! writes through the background sink, so no request waits on stderr.

use std::io::{IsTerminal, Write};

use tracing::Subscriber;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

use super::log_line::LogFormat;
use super::log_sink::{self, SinkWriter};

/// Installs the subscriber writing to stderr; call once, first thing.
/// `background`: lines go through the sink (call `log_sink::flush` before
/// exiting); only when stderr is not a terminal, whose coloured lines the
/// sink does not format.
pub fn init(format: LogFormat, background: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    // Colours only on a terminal: journald and log files get plain text.
    let ansi = std::io::stderr().is_terminal();
    if background && !ansi {
        let out: Box<dyn Write + Send> = Box::new(std::io::stderr());
        let writer = SinkWriter(log_sink::install(out, format));
        subscriber(format, filter, false, writer).init();
    } else {
        subscriber(format, filter, ansi, std::io::stderr).init();
    }
}

/// The subscriber for `format`, writing whole lines to `writer`.
pub fn subscriber<W>(
    format: LogFormat,
    filter: EnvFilter,
    ansi: bool,
    writer: W,
) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(writer);
    match format {
        LogFormat::Human => Box::new(builder.finish()),
        LogFormat::Json => Box::new(
            builder
                .json()
                .flatten_event(true)
                .with_current_span(false)
                .finish(),
        ),
    }
}
