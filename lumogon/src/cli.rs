//! The command line, as clap sees it.

use clap::{Args, Parser, Subcommand};

#[cfg(feature = "analytics")]
const ANALYTICS_NOTE: &str = "lumogon sends anonymous usage analytics: the command's name, never its \
arguments (see ANALYTICS.md). --disable-analytics, LUMOGON_DISABLE_ANALYTICS=1 or DO_NOT_TRACK=1 \
turn them off.";
#[cfg(not(feature = "analytics"))]
const ANALYTICS_NOTE: &str = "This build of lumogon contains no analytics code.";

/// Inspect containers (Docker, Podman, containerd) and report what they hold.
#[derive(Debug, Parser)]
#[command(name = "lumogon", version, propagate_version = true, after_long_help = ANALYTICS_NOTE)]
pub struct Cli {
    /// Print debug logging to stderr, including one line per analytics hit
    #[arg(short, long, global = true)]
    pub debug: bool,

    /// Send no analytics for this run (accepted by every build, so scripts work with both)
    #[arg(long, global = true)]
    pub disable_analytics: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Inspect containers and print a JSON report of what they hold
    #[command(
        after_help = "Every running container is scanned when none is named. A container is named by \
its full ID, a unique ID prefix or its name.\n\nExamples:\n  lumogon scan\n  lumogon scan web db\n  \
lumogon scan | jq '.containers[].capabilities.dpkg.payload'\n  \
lumogon scan --capabilities dpkg,rpm,apk --timeout 20\n  \
lumogon scan --host ssh://admin@build-1 --host unix:///var/run/docker.sock\n  \
lumogon scan --host containerd:///run/containerd/containerd.sock --host unix:///var/run/docker.sock\n  \
lumogon scan --context staging --context production"
    )]
    Scan(ScanArgs),
    /// Scan containers and upload the report to a report service
    #[command(
        after_help = "If the upload fails, the report is saved to a file and the error names it.\n\n\
Examples:\n  lumogon report --endpoint https://reports.example/api\n  \
LUMOGON_ENDPOINT=https://reports.example/api lumogon report web"
    )]
    Report {
        #[command(flatten)]
        scan: ScanArgs,
        /// Where to POST the JSON report (http or https)
        #[arg(
            long,
            env = "LUMOGON_ENDPOINT",
            value_name = "URL",
            hide_env_values = true
        )]
        endpoint: String,
    },
    /// Print lumogon's version and build information
    #[command(after_help = "Example:\n  lumogon version")]
    Version,
    /// See or change whether lumogon sends anonymous usage analytics
    #[command(subcommand)]
    Analytics(AnalyticsCommand),
    /// Print a shell completion script (sends no analytics)
    #[command(
        after_help = "Examples:\n  lumogon completions bash > /etc/bash_completion.d/lumogon\n  \
lumogon completions zsh > \"${fpath[1]}/_lumogon\"\n  lumogon completions fish > ~/.config/fish/completions/lumogon.fish"
    )]
    Completions {
        /// The shell to complete for
        shell: clap_complete::Shell,
    },
    /// List what lumogon can report about a container
    #[command(
        after_help = "Examples:\n  lumogon capabilities\n  lumogon capabilities describe dpkg"
    )]
    Capabilities(CapabilitiesArgs),
}

/// What `scan` and `report` share: which containers, which capabilities,
/// and how long.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Containers to scan (default: every running container)
    pub containers: Vec<String>,
    /// Print the report within this many seconds, whatever the containers
    /// hold; what is not done by then is an error in the report (`report`:
    /// the upload gets as long again)
    #[arg(long, value_name = "SECONDS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,
    /// Gather only these capabilities (comma-separated names, as
    /// `lumogon capabilities` lists them)
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub capabilities: Vec<String>,
    /// Scan the engine at HOST (unix://, tcp:// or ssh://, as DOCKER_HOST,
    /// or containerd:///run/containerd/containerd.sock); repeat for several
    /// engines in one report
    #[arg(long = "host", value_name = "HOST")]
    pub hosts: Vec<String>,
    /// The containerd namespace to scan (default: k8s.io when it exists,
    /// else every namespace)
    #[arg(
        long,
        value_name = "NAME",
        env = "CONTAINERD_NAMESPACE",
        hide_env_values = true
    )]
    pub namespace: Option<String>,
    /// Scan the engine of this docker context; repeat for several
    #[arg(long = "context", value_name = "NAME")]
    pub contexts: Vec<String>,
}

/// `lumogon analytics …`, the library's own (it never sends anything).
#[cfg(feature = "analytics")]
pub use lumogon_track::cli::AnalyticsCommand;

/// `lumogon analytics …` in a build without analytics, where the library
/// has no subcommand to offer: the same commands, which say so.
#[cfg(not(feature = "analytics"))]
#[derive(Debug, Subcommand)]
pub enum AnalyticsCommand {
    /// Say whether analytics is on, and if not, what turned it off
    Status,
    /// Turn analytics on again (saved in the config directory)
    Enable,
    /// Turn analytics off for good, and delete the anonymous id
    Disable,
    /// List every screen name and event this lumogon can send
    Screens,
    /// Show the last hits that were sent or kept for a later run
    Log,
}

#[derive(Debug, Args)]
pub struct CapabilitiesArgs {
    #[command(subcommand)]
    pub command: Option<CapabilitiesCommand>,
}

#[derive(Debug, Subcommand)]
pub enum CapabilitiesCommand {
    /// Describe one capability: its title, type, schema and what it reports
    Describe {
        /// The capability's name, as `lumogon capabilities` lists it
        name: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}
