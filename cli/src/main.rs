//! `appmarket`: the operator's command line (see the crate `appmarket_cli`).

fn main() -> std::process::ExitCode {
    appmarket_cli::main(std::env::args_os())
}
