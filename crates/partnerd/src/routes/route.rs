//! One entry of the operation table: what the OpenAPI document says of an operation, and the
//! handler that serves it. Each resource module lists its own entries with the builder below,
//! so adding an operation is one expression next to its handler.

use axum::handler::Handler;
use axum::routing::{self, MethodRouter};

use crate::routes::openapi::{Access, Body, Operation};
use crate::state::AppState;

/// An operation and its handler.
pub struct Route {
    /// What the OpenAPI document says of it.
    pub operation: Operation,
    /// What serves it.
    pub handler: MethodRouter<AppState>,
}

macro_rules! method {
    ($name:ident) => {
        #[doc = concat!("A `", stringify!($name), "` operation on `path`, named `id` in the document; a partner's operation answering 200 with no body until told otherwise.")]
        pub fn $name<H, T>(path: &'static str, id: &'static str, handler: H) -> Self
        where
            H: Handler<T, AppState>,
            T: 'static,
        {
            Self::new(stringify!($name), path, id, routing::$name(handler))
        }
    };
}

impl Route {
    fn new(
        method: &'static str,
        path: &'static str,
        id: &'static str,
        handler: MethodRouter<AppState>,
    ) -> Self {
        Self {
            operation: Operation {
                method,
                path,
                id,
                summary: "",
                access: Access::Partner,
                request: None,
                success: (200, None),
                query: &[],
                headers: &[],
            },
            handler,
        }
    }

    method!(get);
    method!(post);
    method!(put);
    method!(patch);
    method!(delete);
    method!(head);

    /// One line on what the operation does.
    pub fn summary(mut self, summary: &'static str) -> Self {
        self.operation.summary = summary;
        self
    }

    /// Who may call it (a partner's token unless said otherwise).
    pub fn access(mut self, access: Access) -> Self {
        self.operation.access = access;
        self
    }

    /// The request body it takes.
    pub fn takes(mut self, body: Body) -> Self {
        self.operation.request = Some(body);
        self
    }

    /// Its success status and body (`None`: no body).
    pub fn answers(mut self, status: u16, body: Option<Body>) -> Self {
        self.operation.success = (status, body);
        self
    }

    /// The query parameters it reads.
    pub fn query(mut self, names: &'static [&'static str]) -> Self {
        self.operation.query = names;
        self
    }

    /// The request headers it reads.
    pub fn headers(mut self, names: &'static [&'static str]) -> Self {
        self.operation.headers = names;
        self
    }
}
