//! The HTTP layer both clients share: `folio_banks::http::Http` (timeouts, backoff on 5xx and
//! timeouts, 429 waited out as `Retry-After` / `X-RateLimit-Reset` ask) plus what converters add:
//! the `X-RateLimit-Remaining` of each answer remembered, so a call made when none are left
//! waits for the reset (or is reported) instead of being sent to be refused.
//!
//! Retry safety: [`Retry::Safe`] calls (reads, and writes that repeat harmlessly) are sent again
//! after a timeout or a 5xx. [`Retry::Once`] calls (uploads, session creation) are sent again
//! only when they surely did not arrive (no connection) or were refused unread (429): after a
//! timeout or a 5xx the upload may have been received, and sending it again could process it
//! twice (Balanzio spends credits per processed page; FinBox would see a duplicate statement).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use folio_banks::http::{rate_limit_wait, Http, RetryPolicy};
use folio_banks::BankError;
use reqwest::header::HeaderMap;
use reqwest::{Client, RequestBuilder, Response, StatusCode};

use crate::error::{ConverterError, Service};

/// Whether a call may be sent again after a timeout or a 5xx.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retry {
    Safe,
    Once,
}

/// What the latest answer said about the rate limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimitStatus {
    pub limit: Option<u64>,
    pub remaining: u64,
    /// When the window resets (as read from `X-RateLimit-Reset`).
    pub resets_at: Instant,
}

#[derive(Debug)]
pub(crate) struct Transport {
    http: Http,
    service: Service,
    wait_on_rate_limit: bool,
    max_rate_limit_wait: Duration,
    rate: Mutex<Option<RateLimitStatus>>,
}

pub(crate) fn now_epoch_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn header_number(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
}

impl Transport {
    pub(crate) fn new(
        service: Service,
        policy: RetryPolicy,
        wait_on_rate_limit: bool,
    ) -> Result<Transport, ConverterError> {
        // Told not to wait: a 429 is reported at once (Http reports any wait above this).
        let http_policy = RetryPolicy {
            max_rate_limit_wait: if wait_on_rate_limit {
                policy.max_rate_limit_wait
            } else {
                Duration::ZERO
            },
            ..policy
        };
        let http = Http::new(service.name(), http_policy).map_err(|e| map_bank(service, e))?;
        Ok(Transport {
            http,
            service,
            wait_on_rate_limit,
            max_rate_limit_wait: policy.max_rate_limit_wait,
            rate: Mutex::new(None),
        })
    }

    pub(crate) fn rate_limit(&self) -> Option<RateLimitStatus> {
        self.rate.lock().ok().and_then(|r| *r)
    }

    /// Sends the request `build` makes (see the module's words on retries), first waiting out
    /// a rate-limit window the last answer said was used up.
    pub(crate) async fn send(
        &self,
        retry: Retry,
        build: impl Fn(&Client) -> RequestBuilder,
    ) -> Result<Response, ConverterError> {
        self.wait_for_window().await?;
        let outcome = match retry {
            Retry::Safe => self.http.send(build).await,
            Retry::Once => self.http.send_single_use(build).await,
        };
        let resp = outcome.map_err(|e| map_bank(self.service, e))?;
        self.remember(resp.headers());
        Ok(resp)
    }

    async fn wait_for_window(&self) -> Result<(), ConverterError> {
        let Some(status) = self.rate_limit() else {
            return Ok(());
        };
        if status.remaining > 0 {
            return Ok(());
        }
        let wait = status.resets_at.saturating_duration_since(Instant::now());
        if wait.is_zero() {
            return Ok(());
        }
        if !self.wait_on_rate_limit || wait > self.max_rate_limit_wait {
            return Err(ConverterError::RateLimited {
                service: self.service,
                retry_after_secs: wait.as_secs().max(1),
            });
        }
        tokio::time::sleep(wait).await;
        Ok(())
    }

    fn remember(&self, headers: &HeaderMap) {
        let Some(remaining) = header_number(headers, "x-ratelimit-remaining") else {
            return;
        };
        let reset_in = if headers.contains_key("x-ratelimit-reset") {
            // Retry-After is not part of a successful answer; the reset is what counts here.
            let mut only_reset = HeaderMap::new();
            if let Some(v) = headers.get("x-ratelimit-reset") {
                only_reset.insert("x-ratelimit-reset", v.clone());
            }
            rate_limit_wait(&only_reset, now_epoch_secs())
        } else {
            Duration::ZERO
        };
        if let Ok(mut rate) = self.rate.lock() {
            *rate = Some(RateLimitStatus {
                limit: header_number(headers, "x-ratelimit-limit"),
                remaining,
                resets_at: Instant::now() + reset_in,
            });
        }
    }

    /// The whole body of an answer.
    pub(crate) async fn body(
        &self,
        resp: Response,
    ) -> Result<(StatusCode, Vec<u8>), ConverterError> {
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(|e| ConverterError::Network {
            service: self.service,
            detail: e.to_string(),
        })?;
        Ok((status, bytes.to_vec()))
    }

    pub(crate) fn malformed(&self, detail: impl Into<String>) -> ConverterError {
        ConverterError::Malformed {
            service: self.service,
            detail: detail.into(),
        }
    }
}

fn map_bank(service: Service, error: BankError) -> ConverterError {
    match error {
        BankError::RateLimited {
            retry_after_secs, ..
        } => ConverterError::RateLimited {
            service,
            retry_after_secs,
        },
        BankError::Unavailable { status, .. } => ConverterError::Unavailable { service, status },
        BankError::Malformed { detail, .. } => ConverterError::Malformed { service, detail },
        BankError::Network { detail, .. } => ConverterError::Network { service, detail },
        other => ConverterError::Network {
            service,
            detail: other.to_string(),
        },
    }
}
