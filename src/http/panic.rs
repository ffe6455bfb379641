//! A panic in a handler becomes a 500 JSON `internal` answer (its message logged, never shown) and
//! the worker keeps serving.

use std::any::Any;
use std::fmt;
use std::future::{poll_fn, Future};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError};

use crate::error::ApiError;
use crate::http::headers;

/// Middleware (`middleware::from_fn`): polls the rest of the chain inside
/// `catch_unwind`. Without it a panic drops the connection with no answer.
pub async fn catch_panics<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    // The call itself runs on first poll, so a panic while routing or
    // extracting is caught too.
    let mut service = Box::pin(async move { next.call(req).await });
    // The panicked future is never polled again, only dropped.
    let outcome = poll_fn(|cx| poll_catching(service.as_mut(), cx)).await;
    outcome.unwrap_or_else(|panic| {
        Err(Panicked {
            message: message(&*panic).to_string(),
        }
        .into())
    })
}

/// The request is gone with the panicked future (and cannot be cloned
/// beforehand: routing needs it unshared), so the answer is an error that
/// the server renders itself — hence the security headers added here.
#[derive(Debug)]
struct Panicked {
    message: String,
}

impl fmt::Display for Panicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "handler panicked: {}", self.message)
    }
}

impl ResponseError for Panicked {
    fn status_code(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = ApiError::internal(self).error_response();
        headers::add_to(response.headers_mut());
        response
    }
}

fn poll_catching<F: Future>(
    future: Pin<&mut F>,
    cx: &mut Context<'_>,
) -> Poll<Result<F::Output, Box<dyn Any + Send>>> {
    match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
        Ok(poll) => poll.map(Ok),
        Err(panic) => Poll::Ready(Err(panic)),
    }
}

fn message(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

#[cfg(test)]
mod tests {
    use actix_web::middleware::from_fn;
    use actix_web::{web, App, HttpServer};

    use super::*;

    async fn boom() -> HttpResponse {
        panic!("secret detail from a bug")
    }

    /// A real server with one worker: the panic's answer is rendered by the
    /// server itself, and the same worker answers the next request.
    #[actix_web::test]
    async fn a_panicking_handler_gets_a_json_500_and_the_worker_keeps_serving() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let server = HttpServer::new(|| {
            App::new()
                .wrap(from_fn(catch_panics))
                .route("/boom", web::get().to(boom))
                .route("/fine", web::get().to(HttpResponse::Ok))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        let client = reqwest::Client::new();

        let response = client.get(format!("{address}/boom")).send().await.unwrap();
        assert_eq!(response.status(), 500);
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(
            body,
            serde_json::json!({"detail": "Internal server error", "code": "internal"})
        );
        for _ in 0..3 {
            let response = client.get(format!("{address}/fine")).send().await.unwrap();
            assert_eq!(response.status(), 200);
        }
        handle.stop(false).await;
    }
}
