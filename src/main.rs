//! The `cekops` binary: argument parsing, dispatch and printing (`cli`); the library does the work.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
