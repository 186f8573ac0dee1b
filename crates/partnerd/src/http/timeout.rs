//! A request body that may not stall: if the client stops sending for longer than the body
//! timeout between two chunks, reading the body fails with [`BodyStalled`], the request is
//! answered 408, and the connection is closed instead of being held open for ever.
//!
//! The timer restarts with every chunk, so a large body sent steadily is never cut off; only a
//! silent client is.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Bytes;
use http_body::{Body, Frame, SizeHint};

use crate::http::error::ApiError;

/// The error a stalled body ends with.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the request body stalled for longer than the body timeout")]
pub struct BodyStalled;

/// A body that fails with [`BodyStalled`] when no chunk arrives within `timeout`.
pub struct StallTimeout<B> {
    inner: Pin<Box<B>>,
    timeout: Duration,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<B> StallTimeout<B> {
    /// Wraps `inner`.
    pub fn new(inner: B, timeout: Duration) -> Self {
        Self {
            inner: Box::pin(inner),
            timeout,
            sleep: None,
        }
    }
}

impl<B> Body for StallTimeout<B>
where
    B: Body<Data = Bytes>,
    B::Error: Into<axum::BoxError>,
{
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::BoxError>>> {
        match self.inner.as_mut().poll_frame(cx) {
            Poll::Ready(frame) => {
                self.sleep = None;
                Poll::Ready(frame.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => {
                let timeout = self.timeout;
                let sleep = self
                    .sleep
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
                match sleep.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(BodyStalled)))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The answer to a body that could not be read: 408 when it stalled, else `otherwise`.
pub fn unreadable_body(error: &(dyn std::error::Error + 'static), otherwise: ApiError) -> ApiError {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = cause {
        if e.is::<BodyStalled>() {
            return ApiError::body_timeout();
        }
        cause = e.source();
    }
    otherwise
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

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
        let body = StallTimeout::new(Silent(false), Duration::from_secs(30));
        let error = body.collect().await.expect_err("the body stalls");
        let answer = unreadable_body(error.as_ref(), ApiError::malformed("x"));
        assert_eq!(answer.status.as_u16(), 408);
    }

    #[tokio::test(start_paused = true)]
    async fn a_complete_body_is_read_whole() {
        let body = StallTimeout::new(
            http_body_util::Full::new(Bytes::from_static(b"{}")),
            Duration::from_secs(1),
        );
        assert_eq!(body.collect().await.unwrap().to_bytes(), "{}");
    }
}
