//! A small CLI of its own that uses lumogon-track: a different app name and
//! tracking id from lumogon's, a `--disable-analytics` flag, two tracked
//! handlers and the guard. Like every user of the library, it sends to the
//! `LUMOGON_ANALYTICS_URL` endpoint when that is set.
//!
//! ```sh
//! cargo run -p lumogon-track --example greeter -- --debug hello World
//! ```

use std::process::ExitCode;

use clap::{Parser, Subcommand};
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
}

// The screen name is the command, never its argument: `name` is not sent.
#[track_screen("hello")]
fn hello(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("whom should I greet? give a name".to_owned());
    }
    println!("Hello, {name}!");
    Ok(())
}

#[track_screen("goodbye")]
fn goodbye(name: &str) -> Result<(), String> {
    println!("Goodbye, {name}!");
    lumogon_track::event("farewell", "said");
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.debug {
        // Any `log` logger shows the library's debug lines; this one is
        // the smallest that does.
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
    if cli.disable_analytics {
        lumogon_track::disable();
    }
    // The guard flushes at the end of `main`, waiting at most the flush
    // budget. (A binary crate of its own would write
    // `lumogon_track::config!("UA-99999999-1")` for its name and version.)
    let config = lumogon_track::Config::new("UA-99999999-1", "greeter", env!("CARGO_PKG_VERSION"));
    let _guard = match lumogon_track::init(config) {
        Ok(guard) => Some(guard),
        Err(e) => {
            eprintln!("greeter: analytics off: {e}");
            None
        }
    };
    let result = match &cli.command {
        Command::Hello { name } => hello(name),
        Command::Goodbye { name } => goodbye(name),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("greeter: {e}");
            ExitCode::FAILURE
        }
    }
}
