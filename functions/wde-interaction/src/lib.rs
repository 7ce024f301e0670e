//! The Genesys WDE webservice at both of its paths (ccbridge's and YetiForce's); every HTTP
//! method reaches it, so it can answer the CORS preflight and YetiForce's 405 itself. The flow
//! is [`ccbridge::wde::webservice`].

use std::sync::Arc;

use ccbridge::http::{Request, Response};
use ccbridge::wde::{response, webservice};
use ccbridge::{ApiError, App, HttpFunction, Route};

pub const FUNCTION: HttpFunction = HttpFunction {
    name: "wde-interaction",
    routes: &[
        Route::any("/wde/{method}", |app, req| Box::pin(handle(app, req))),
        Route::any("/webservice/PBX/GenesysWdeWhirly/{method}", |app, req| Box::pin(handle(app, req))),
    ],
    render_error: response::render_error,
};

async fn handle(app: Arc<App>, req: Request) -> Result<Response, ApiError> {
    webservice::serve(&app, &req).await
}
