//! Request bodies may not stall: every body is wrapped in `tower-http`'s `TimeoutBody`, so if
//! the client stops sending for longer than the body timeout between two chunks, reading the
//! body fails, the request is answered 408, and the connection is closed instead of being
//! held open for ever.
//!
//! The timer restarts with every chunk, so a large body sent steadily is never cut off; only a
//! silent client is.

use tower_http::timeout::TimeoutError;

use crate::http::error::ApiError;

/// The answer to a body that could not be read: 408 when it stalled, else `otherwise`.
pub fn unreadable_body(error: &(dyn std::error::Error + 'static), otherwise: ApiError) -> ApiError {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = cause {
        if e.is::<TimeoutError>() {
            return ApiError::body_timeout();
        }
        cause = e.source();
    }
    otherwise
}

#[cfg(test)]
mod tests {
    use std::pin::Pin;
    use std::task::{Context, Poll};
    use std::time::Duration;

    use axum::body::Bytes;
    use http_body::{Body, Frame};
    use http_body_util::BodyExt;
    use tower_http::timeout::TimeoutBody;

    use super::*;

    /// A body that sends one chunk and then nothing, ever.
    struct Silent(bool);

    impl Body for Silent {
        type Data = Bytes;
        type Error = std::convert::Infallible;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
            if self.0 {
                Poll::Pending
            } else {
                self.0 = true;
                Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(b"{")))))
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_silent_body_fails_after_the_timeout() {
        let body = TimeoutBody::new(Duration::from_secs(30), Silent(false));
        let error = body.collect().await.expect_err("the body stalls");
        let answer = unreadable_body(error.as_ref(), ApiError::malformed("x"));
        assert_eq!(answer.status.as_u16(), 408);
    }

    #[tokio::test(start_paused = true)]
    async fn a_complete_body_is_read_whole() {
        let body = TimeoutBody::new(
            Duration::from_secs(1),
            http_body_util::Full::new(Bytes::from_static(b"{}")),
        );
        assert_eq!(body.collect().await.unwrap().to_bytes(), "{}");
    }
}
