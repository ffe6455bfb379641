//! The ceiling: a bare actix-web hello-world, built from this bench's sources against the same
//! actix-web as latchkey, one worker; `main` runs it when started as `load --hello-server PORT`.

use actix_web::{web, App, HttpResponse, HttpServer};

/// The argument that makes this binary the hello server instead of the bench.
pub const FLAG: &str = "--hello-server";

/// Serves `GET /` on 127.0.0.1:`port` until killed.
pub fn serve(port: u16) {
    actix_web::rt::System::new()
        .block_on(
            HttpServer::new(|| {
                App::new().route(
                    "/",
                    web::get().to(|| async { HttpResponse::Ok().body("Hello world!") }),
                )
            })
            .workers(1)
            .bind(("127.0.0.1", port))
            .expect("the hello server binds")
            .run(),
        )
        .expect("the hello server runs");
}
