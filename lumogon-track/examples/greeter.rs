//! A small CLI of its own that adopts lumogon-track: its own app name and
//! GA4 stream, so its own variables (`GREETER_DISABLE_ANALYTICS`,
//! `GREETER_ANALYTICS_URL`, `GREETER_ANALYTICS_DEBUG`, `GREETER_CONFIG_DIR`)
//! and directory (`~/.config/greeter`), its own first-run notice, a
//! `--disable-analytics` flag, two tracked handlers (each reporting its
//! outcome: `greeter hello ''` is an error), an event, the library's
//! `analytics` subcommand and the guard.
//!
//! It sends GA4 events to its own web stream (an example's: put yours), with
//! the OS and architecture it was built for, and counts CI runs too, marked
//! as such. Whoever runs it may choose another GA4 stream
//! (`GREETER_GA4_API_SECRET` and one of `GREETER_GA4_MEASUREMENT_ID` or
//! `GREETER_GA4_FIREBASE_APP_ID`) or a PostHog project
//! (`GREETER_POSTHOG_API_KEY`, with `GREETER_POSTHOG_HOST` for the EU cloud
//! or a self-hosted instance); with `GREETER_ANALYTICS_DEBUG=validate`,
//! Google's validation server checks GA4 events instead.
//! `greeter analytics log` shows what was sent.
//!
//! ```sh
//! cargo run -p lumogon-track --features clap --example greeter -- --debug hello World
//! cargo run -p lumogon-track --features clap --example greeter -- analytics status
//! cargo run -p lumogon-track --features clap --example greeter -- analytics log
//! GREETER_GA4_MEASUREMENT_ID=G-… GREETER_GA4_API_SECRET=… GREETER_ANALYTICS_DEBUG=validate \
//!     cargo run -p lumogon-track --features clap --example greeter -- hello World
//! ```

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use lumogon_track::cli::{AnalyticsCommand, Disclosure};
use lumogon_track::track_screen;

/// Greets people, and counts (anonymously) which greetings are used.
#[derive(Parser)]
#[command(name = "greeter", version)]
struct Cli {
    /// Send no usage analytics for this run
    #[arg(long, global = true)]
    disable_analytics: bool,

    /// Say what analytics does, on stderr
    #[arg(short, long, global = true)]
    debug: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Say hello to someone
    Hello { name: String },
    /// Say goodbye to someone
    Goodbye { name: String },
    /// See or change whether greeter sends anonymous usage analytics
    #[command(subcommand)]
    Analytics(AnalyticsCommand),
}

// --- analytics: greeter's identity, what it discloses, and the wiring ---

/// What `greeter analytics screens` lists: everything greeter can send.
const DISCLOSURE: Disclosure = Disclosure {
    screens: &["hello", "goodbye"],
    events: &[("farewell", "said", &["style"])],
    outcomes: &["hello", "goodbye"],
};

/// Given to both `init` and the `analytics` subcommand, so they agree.
fn analytics() -> lumogon_track::Config {
    // A binary crate of its own would write `lumogon_track::config!(ga4:
    // ..)` for its name and version. A GA4 web stream: put your own
    // measurement id and Measurement Protocol API secret here.
    lumogon_track::Config::ga4(
        "G-GREETER000",
        "greeter-example-secret",
        "greeter",
        env!("CARGO_PKG_VERSION"),
    )
    // GREETER_GA4_* or GREETER_POSTHOG_API_KEY may choose another.
    .backend_from_env()
    // `os` and `arch`, from compile-time constants.
    .platform_context()
    // CI runs too, marked with the vendor, one id per vendor; without
    // this, a run in CI shows no notice and sends nothing.
    .count_ci_runs()
    .notice(
        "greeter counts which greetings are used and whether they worked: the command's name \
         (never whom you greet), how it ended and roughly how long it took, greeter's version, \
         the OS and architecture it was built for, the CI vendor when run in CI, and a random \
         id. Nothing was sent this time.\n\
         To turn it off: `greeter analytics disable` (or set DO_NOT_TRACK=1).",
    )
}

// The screen name is the command, never its argument: `name` is not sent.
// `outcome`: when the handler ends, the event `command`/`hello` with
// `ok` or `error` and a coarse duration; never the error's text.
#[track_screen("hello", outcome)]
fn hello(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the name to greet is empty; give one, e.g. `greeter hello Ada`".to_owned());
    }
    println!("Hello, {name}!");
    Ok(())
}

#[track_screen("goodbye", outcome)]
fn goodbye(name: &str) -> Result<(), String> {
    println!("Goodbye, {name}!");
    // Parameters are literals or numbers: never `name`.
    lumogon_track::event_with("farewell", "said", &[("style", "plain".into())]);
    Ok(())
}

fn main() -> ExitCode {
    // First: in the sender the exit starts, this delivers and ends here.
    lumogon_track::detached_sender(analytics);
    let cli = Cli::parse();
    if cli.debug {
        log_to_stderr();
    }
    if cli.disable_analytics {
        lumogon_track::disable();
    }
    let result = match &cli.command {
        // Never tracked, and starts nothing.
        Command::Analytics(what) => {
            lumogon_track::cli::run(what, analytics(), &DISCLOSURE, &mut std::io::stdout())
                .map_err(|e| e.to_string())
        }
        command => {
            // Held until `main` returns: its drop is the exit, which waits
            // for no network (a detached sender delivers), then closes.
            let _guard = lumogon_track::init(analytics())
                .map_err(|e| eprintln!("greeter: analytics off: {e}"))
                .ok();
            match command {
                Command::Hello { name } => hello(name),
                Command::Goodbye { name } => goodbye(name),
                Command::Analytics(_) => Ok(()),
            }
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("greeter: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Any `log` logger shows the library's debug lines; this one is the
/// smallest that does.
fn log_to_stderr() {
    struct Stderr;
    impl log::Log for Stderr {
        fn enabled(&self, _: &log::Metadata<'_>) -> bool {
            true
        }
        fn log(&self, record: &log::Record<'_>) {
            if record.target().starts_with("lumogon_track") {
                eprintln!("greeter: {}", record.args());
            }
        }
        fn flush(&self) {}
    }
    static LOGGER: Stderr = Stderr;
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(log::LevelFilter::Debug);
    }
}
