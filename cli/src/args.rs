//! The command line, as `clap` reads it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// The operator's command line of appmarket.
#[derive(Debug, Parser)]
#[command(name = "appmarket", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Copy a whole marketplace into an empty store, in one transaction, and check the copy.
    Migrate(MigrateArgs),
    /// Show what a store holds: schema version, marketplace id, counts, due items, claims.
    Status(StatusArgs),
    /// Rebuild every record from its events and compare; exit 1 on a mismatch.
    Verify(VerifyArgs),
    /// Print the event stream as JSON lines, from a number on (--follow: wait for more).
    Events(EventsArgs),
    /// Copy a SQLite store to a new file with SQLite's online backup API, while hosts write.
    Backup(BackupArgs),
    /// Policy files.
    Policy {
        /// What to do with a policy.
        #[command(subcommand)]
        command: PolicyCommand,
    },
}

/// `policy` commands.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Validate a policy file and print the policy in force, with the defaults.
    Check {
        /// The policy JSON file.
        file: PathBuf,
    },
}

/// A store named on the command line, with its schema and key.
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// The store: sqlite:PATH or postgresql://user:password@host:port/db.
    pub store: String,
    /// The PostgreSQL schema of the tables (default: public).
    #[arg(long, value_name = "NAME")]
    pub schema: Option<String>,
    /// A file holding the secret key the store's passwords are sealed with (32 bytes, or 64
    /// hexadecimal digits). Or set APPMARKET_SECRET_KEY to the 64 digits.
    #[arg(long, value_name = "FILE", env = "APPMARKET_SECRET_KEY_FILE")]
    pub key_file: Option<PathBuf>,
}

/// `migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The store to copy: sqlite:PATH or postgresql://….
    #[arg(long, value_name = "STORE")]
    pub from: String,
    /// The empty store to copy it into: sqlite:PATH (created if missing) or postgresql://….
    #[arg(long, value_name = "STORE")]
    pub to: String,
    /// The PostgreSQL schema of the source (default: public).
    #[arg(long, value_name = "NAME")]
    pub from_schema: Option<String>,
    /// The PostgreSQL schema of the target (default: public).
    #[arg(long, value_name = "NAME")]
    pub to_schema: Option<String>,
    /// The source's secret key file (32 bytes or 64 hex digits); or APPMARKET_FROM_SECRET_KEY.
    #[arg(long, value_name = "FILE", env = "APPMARKET_FROM_SECRET_KEY_FILE")]
    pub from_key_file: Option<PathBuf>,
    /// The target's secret key file; or APPMARKET_TO_SECRET_KEY. Without one, the target keeps
    /// passwords in plain text.
    #[arg(long, value_name = "FILE", env = "APPMARKET_TO_SECRET_KEY_FILE")]
    pub to_key_file: Option<PathBuf>,
    /// No progress lines on standard error.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The store.
    #[command(flatten)]
    pub store: StoreArgs,
    /// Print one JSON object instead of lines.
    #[arg(long)]
    pub json: bool,
}

/// `verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The store.
    #[command(flatten)]
    pub store: StoreArgs,
    /// The hosts' policy file (due instants follow it); default: the default policy.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// No progress lines on standard error.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `events`.
#[derive(Debug, Args)]
pub struct EventsArgs {
    /// The store.
    #[command(flatten)]
    pub store: StoreArgs,
    /// Print the events after this number (0: from the first).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub since: u64,
    /// Wait for new events (PostgreSQL: LISTEN/NOTIFY; SQLite: polling).
    #[arg(long)]
    pub follow: bool,
    /// Stop after this many events.
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,
    /// How often a followed SQLite store is looked at, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 500)]
    pub poll_ms: u64,
}

/// `backup`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The SQLite store: sqlite:PATH.
    pub store: String,
    /// The new file to copy it to.
    pub file: PathBuf,
}
