//! `cekops schema`

use std::path::PathBuf;
use std::process::ExitCode;

use cekops::error::usage;

/// Print or write the JSON Schemas of every file kind (generated from cekops's own types).
///
/// Printed, they form one JSON document: an object from each schema's file name
/// (`extension.schema.json`, …) to the schema, e.g. `cekops schema | jq '."store.schema.json"'`.
/// `--write` writes one file per schema.
///
/// Editors (taplo / Even Better TOML) use them through a `#:schema` comment at the top of a file.
#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    /// Write `schemas/*.schema.json` into DIR instead of printing.
    #[arg(long)]
    pub write: bool,
    /// Folder for `--write` (default: `schemas` in the current folder).
    #[arg(long, value_name = "DIR", requires = "write")]
    pub out: Option<PathBuf>,
    /// Exit 1 if the files in the folder differ from what cekops generates (for CI).
    #[arg(long, conflicts_with = "write")]
    pub check: bool,
}

pub fn run(ctx: &super::Context, args: &SchemaArgs) -> anyhow::Result<ExitCode> {
    let dir = ctx
        .dir
        .join(args.out.clone().unwrap_or_else(|| PathBuf::from("schemas")));
    let all = cekops::ops::schema::all();
    if args.write {
        std::fs::create_dir_all(&dir)
            .map_err(|e| usage(format!("cannot create `{}`: {e}", dir.display())))?;
        for (name, text) in &all {
            std::fs::write(dir.join(name), text)?;
        }
        super::err(&format!(
            "wrote {} schemas to {}\n",
            all.len(),
            dir.display()
        ));
        return Ok(ExitCode::SUCCESS);
    }
    if args.check {
        let mut stale = Vec::new();
        for (name, text) in &all {
            if std::fs::read_to_string(dir.join(name)).ok().as_deref() != Some(text.as_str()) {
                stale.push(*name);
            }
        }
        if stale.is_empty() {
            return Ok(ExitCode::SUCCESS);
        }
        super::err(&format!(
            "error: schemas out of date: {}\n\nhint: run `cekops schema --write`\n",
            stale.join(", ")
        ));
        return Ok(ExitCode::from(1));
    }
    super::out(&cekops::ops::schema::document());
    Ok(ExitCode::SUCCESS)
}
