//! The reference of `cargo xtask bench`: a hello-world `lambda_http` function on the same
//! runtime as the functions (`#[tokio::main]`, multi-threaded), built with the same release
//! profile, so their cold starts are read as ratios against it rather than as absolute times.

use lambda_http::{Body, Error, Request, Response, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::run(service_fn(|_: Request| async { Ok::<_, Error>(Response::new(Body::from("hello"))) })).await
}
