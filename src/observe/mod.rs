//! What operators see: one log line per request (with a request id), the metrics registry, and the
//! `/metrics` listener kept off the public port.

pub mod log_line;
pub mod log_sink;
pub mod logging;
pub mod metrics;
pub mod request_log;
pub mod server;

pub use metrics::Metrics;
pub use request_log::RequestId;
