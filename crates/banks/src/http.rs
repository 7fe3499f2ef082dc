//! What every provider's HTTP calls share: timeouts, retries with backoff on 5xx and timeouts,
//! and 429 honoured (`Retry-After`, `X-RateLimit-Reset`). A 4xx other than 429 is handed back to
//! the provider module, which knows its documented error shapes.

use std::time::Duration;

use reqwest::{Client, RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;

use crate::BankError;

/// How hard to try before reporting a failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all (the first one included).
    pub attempts: u32,
    /// The first backoff; doubled after each failed attempt, up to `max_delay`.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// A 429 asking to wait longer than this is reported, not waited out.
    pub max_rate_limit_wait: Duration,
    /// Per request: connecting, sending and reading the whole answer.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 4,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(4),
            max_rate_limit_wait: Duration::from_secs(60),
            timeout: Duration::from_secs(30),
        }
    }
}

/// A provider's HTTP client.
#[derive(Clone, Debug)]
pub struct Http {
    client: Client,
    provider: &'static str,
    policy: RetryPolicy,
}

/// How long a 429 asks to wait: `Retry-After` in seconds, else `X-RateLimit-Reset` (epoch
/// seconds, or seconds from now when small), else one second.
pub fn rate_limit_wait(headers: &reqwest::header::HeaderMap, now_epoch_secs: u64) -> Duration {
    let number = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    if let Some(secs) = number("retry-after") {
        return Duration::from_secs(secs);
    }
    if let Some(reset) = number("x-ratelimit-reset") {
        // Above a billion it is a moment (epoch seconds); below, a number of seconds.
        let secs = if reset > 1_000_000_000 {
            reset.saturating_sub(now_epoch_secs)
        } else {
            reset
        };
        return Duration::from_secs(secs);
    }
    Duration::from_secs(1)
}

fn now_epoch_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Http {
    pub fn new(provider: &'static str, policy: RetryPolicy) -> Result<Http, BankError> {
        let client = Client::builder()
            .timeout(policy.timeout)
            .connect_timeout(policy.timeout)
            .build()
            .map_err(|e| BankError::Network {
                provider,
                detail: format!("the HTTP client could not start: {e}"),
            })?;
        Ok(Http {
            client,
            provider,
            policy,
        })
    }

    pub fn provider(&self) -> &'static str {
        self.provider
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Sends the request `build` makes, again after a timeout, a 5xx or a 429 (waiting as asked).
    /// Any other answer is returned as it is, for the provider to read.
    pub async fn send(
        &self,
        build: impl Fn(&Client) -> RequestBuilder,
    ) -> Result<Response, BankError> {
        self.send_with(build, true).await
    }

    /// [`Http::send`] for a request that spends something single-use (an authorization code):
    /// sent again only when it surely did not arrive (no connection) or was refused unread
    /// (429), never after a timeout or a 5xx, which may have spent the code already.
    pub async fn send_single_use(
        &self,
        build: impl Fn(&Client) -> RequestBuilder,
    ) -> Result<Response, BankError> {
        self.send_with(build, false).await
    }

    async fn send_with(
        &self,
        build: impl Fn(&Client) -> RequestBuilder,
        idempotent: bool,
    ) -> Result<Response, BankError> {
        let mut delay = self.policy.base_delay;
        let mut attempt = 1;
        loop {
            let last = attempt >= self.policy.attempts;
            let outcome = build(&self.client).send().await;
            let wait = match outcome {
                Ok(resp) if resp.status() == StatusCode::TOO_MANY_REQUESTS => {
                    let wait = rate_limit_wait(resp.headers(), now_epoch_secs());
                    if last || wait > self.policy.max_rate_limit_wait {
                        return Err(BankError::RateLimited {
                            provider: self.provider,
                            retry_after_secs: wait.as_secs().max(1),
                        });
                    }
                    wait
                }
                Ok(resp) if resp.status().is_server_error() => {
                    if last || !idempotent {
                        return Err(BankError::Unavailable {
                            provider: self.provider,
                            status: resp.status().as_u16(),
                        });
                    }
                    delay
                }
                Ok(resp) => return Ok(resp),
                Err(e) => {
                    let may_retry = if idempotent {
                        e.is_timeout() || e.is_connect() || e.is_request()
                    } else {
                        e.is_connect() && !e.is_timeout()
                    };
                    if last || !may_retry {
                        return Err(BankError::Network {
                            provider: self.provider,
                            detail: e.to_string(),
                        });
                    }
                    delay
                }
            };
            tokio::time::sleep(wait).await;
            delay = (delay * 2).min(self.policy.max_delay);
            attempt += 1;
        }
    }

    /// Reads an answer's body as `T`; anything else is [`BankError::Malformed`]. A body that
    /// stops half-way (a timeout while reading) is [`BankError::Network`].
    pub async fn json<T: DeserializeOwned>(&self, resp: Response) -> Result<T, BankError> {
        let bytes = resp.bytes().await.map_err(|e| BankError::Network {
            provider: self.provider,
            detail: e.to_string(),
        })?;
        serde_json::from_slice(&bytes).map_err(|e| BankError::Malformed {
            provider: self.provider,
            detail: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    #[test]
    fn rate_limit_headers_are_read_as_documented() {
        let mut h = HeaderMap::new();
        assert_eq!(rate_limit_wait(&h, 0), Duration::from_secs(1));
        h.insert("x-ratelimit-reset", HeaderValue::from_static("1700000030"));
        assert_eq!(rate_limit_wait(&h, 1_700_000_000), Duration::from_secs(30));
        h.insert("x-ratelimit-reset", HeaderValue::from_static("7"));
        assert_eq!(rate_limit_wait(&h, 1_700_000_000), Duration::from_secs(7));
        h.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(rate_limit_wait(&h, 1_700_000_000), Duration::from_secs(3));
    }
}
