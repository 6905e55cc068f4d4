fn main() -> std::process::ExitCode {
    cekops::cli::main()
}
