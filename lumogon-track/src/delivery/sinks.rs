//! Where a run's requests go ([`Sink`]): the collector, stderr (a dry run),
//! or GA4's validation server (validate mode), and every line those two
//! modes print. Which sink a run gets is decided once, in [`Sink::new`].

use std::io::Write;
use std::sync::Arc;

use super::outbox::Outbox;
use super::transport::{Failure, Transport};
use crate::backends::{Encoder, Request, ga4};
use crate::config::{Mode, Resolved};
use crate::persistence::backoff::Plan;

pub(crate) enum Sink {
    Http(Transport),
    /// `{APP}_ANALYTICS_DEBUG`: requests go to stderr, nothing is sent.
    DryRun {
        variable: String,
    },
    /// `{APP}_ANALYTICS_DEBUG=validate`: requests go to GA4's validation
    /// server (the endpoint already is its URL), and what it answers goes
    /// to stderr.
    Validate {
        transport: Transport,
        variable: String,
    },
    /// Validate mode with Universal Analytics, which has no validation
    /// server any more, or PostHog, which has none: nothing is sent (said
    /// once, when the sink is made).
    NoValidator {
        variable: String,
        backend: &'static str,
    },
}

/// How one request ended.
pub(crate) enum Ended {
    Printed,
    Answered(reqwest::StatusCode),
    Failed(Failure),
    /// Validate mode, when nothing could be validated or there is no
    /// validation server: counted, never spooled (a later run would send
    /// for real what this one only meant to check), no backoff.
    Unvalidated {
        why: String,
        dropped: bool,
    },
}

impl Sink {
    /// The sink of a run; `None` when the endpoint timed out recently
    /// (`plan` says hold): then hits go to the spool without a try. A dry
    /// run builds no client at all: it shows what would be sent without a
    /// socket, or the milliseconds a client costs. Nor does a run that
    /// holds back.
    pub(crate) fn new(
        resolved: &Resolved,
        encoder: &Encoder,
        plan: Plan,
        outbox: &Arc<Outbox>,
    ) -> Result<Option<Sink>, String> {
        let variable = resolved.names.debug.clone();
        let ca_file = resolved.ca_file.as_deref();
        Ok(Some(match (resolved.mode, encoder) {
            (Mode::DryRun, _) => Sink::DryRun { variable },
            (Mode::Validate, Encoder::V1 { .. } | Encoder::PostHog { .. }) => {
                let backend = resolved.backend.name();
                print(&no_validator_text(&variable, backend));
                Sink::NoValidator { variable, backend }
            }
            // Validation requests are never spooled: the connection needs
            // no watching.
            (Mode::Validate, Encoder::Ga4 { .. }) => Sink::Validate {
                transport: Transport::new(ca_file, Arc::new(|| true))?,
                variable,
            },
            (Mode::Send, _) if plan == Plan::Hold => return Ok(None),
            (Mode::Send, _) => {
                let outbox = Arc::clone(outbox);
                Sink::Http(Transport::new(
                    ca_file,
                    Arc::new(move || outbox.connected()),
                )?)
            }
        }))
    }

    /// Sends, prints or validates `request`.
    pub(crate) fn deliver(&self, request: &Request) -> Ended {
        match self {
            Sink::Http(transport) => {
                match transport.post(&request.url, request.content_type, request.body.clone()) {
                    Ok(status) => Ended::Answered(status),
                    Err(failure) => Ended::Failed(failure),
                }
            }
            Sink::Validate {
                transport,
                variable,
            } => validate(transport, variable, request),
            Sink::NoValidator { variable, backend } => Ended::Unvalidated {
                why: format!("{variable}=validate, and {backend} has no validation server"),
                dropped: true,
            },
            Sink::DryRun { variable } => {
                print(&dry_run_text(variable, &request.url, &request.body));
                Ended::Printed
            }
        }
    }
}

fn validate(transport: &Transport, variable: &str, request: &Request) -> Ended {
    let prefix = validate_prefix(variable);
    // The request first: a validation server that never answers must
    // still show what was asked.
    print(&format!("{prefix}POST {}\n{}\n", request.url, request.body));
    let answer =
        match transport.post_and_read(&request.url, request.content_type, request.body.clone()) {
            Ok((status, answer)) if status.is_success() => Ok(answer),
            Ok((status, _)) => Err(format!("the validation server answered {status}")),
            Err(e) => Err(format!("could not reach the validation server: {e}")),
        };
    print(&ga4::validation::report(
        &prefix,
        answer.as_deref().map_err(Clone::clone),
    ));
    match answer {
        Ok(_) => Ended::Printed,
        Err(why) => Ended::Unvalidated {
            why,
            dropped: false,
        },
    }
}

/// What validate mode says at exit when the validation server had not
/// answered within the flush budget.
pub(crate) fn print_unvalidated_at_exit(variable: &str) {
    print(&format!(
        "{}not validated: the validation server did not answer within the flush budget\n",
        validate_prefix(variable)
    ));
}

/// What a dry run prints for one request: the method and full URL on one
/// line, then the body exactly as it would be sent.
fn dry_run_text(variable: &str, url: &str, body: &str) -> String {
    format!("lumogon-track: dry run ({variable}): POST {url}\n{body}\n")
}

/// How every line of validate mode starts.
fn validate_prefix(variable: &str) -> String {
    format!("lumogon-track: validate ({variable}): ")
}

/// What validate mode says, once, for a backend without a validation
/// server: Universal Analytics (no longer) or PostHog (never had one).
fn no_validator_text(variable: &str, backend: &str) -> String {
    let gone = if backend == "PostHog" {
        ""
    } else {
        " any more"
    };
    format!(
        "{}{backend} has no validation server{gone}; nothing is sent\n",
        validate_prefix(variable)
    )
}

/// One write, so that a request is never split by another thread's output.
/// A closed stderr is no reason to fail.
fn print(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dry_run_shows_the_method_the_url_and_the_body() {
        assert_eq!(
            dry_run_text(
                "TOOL_ANALYTICS_DEBUG",
                "http://127.0.0.1:9/batch",
                "v=1&t=a\nv=1&t=b"
            ),
            "lumogon-track: dry run (TOOL_ANALYTICS_DEBUG): POST http://127.0.0.1:9/batch\n\
             v=1&t=a\nv=1&t=b\n"
        );
    }

    #[test]
    fn validate_mode_says_once_that_universal_analytics_has_no_validator() {
        assert_eq!(
            no_validator_text("TOOL_ANALYTICS_DEBUG", "Universal Analytics"),
            "lumogon-track: validate (TOOL_ANALYTICS_DEBUG): Universal Analytics has no \
             validation server any more; nothing is sent\n"
        );
        assert_eq!(
            no_validator_text("TOOL_ANALYTICS_DEBUG", "PostHog"),
            "lumogon-track: validate (TOOL_ANALYTICS_DEBUG): PostHog has no validation \
             server; nothing is sent\n"
        );
    }
}
