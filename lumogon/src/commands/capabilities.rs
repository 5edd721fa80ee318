use std::io::Write;

use lumogon_track::track_screen;

use crate::capability::{self, ALL};
use crate::error::CliError;

#[track_screen("capabilities")]
pub fn list(out: &mut dyn Write) -> Result<(), CliError> {
    let name_width = ALL.iter().map(|c| c.name.len()).max().unwrap_or(0);
    let title_width = ALL.iter().map(|c| c.title.len()).max().unwrap_or(0);
    writeln!(
        out,
        "{:name_width$}  {:title_width$}  TYPE",
        "NAME", "TITLE"
    )?;
    for c in ALL {
        writeln!(
            out,
            "{:name_width$}  {:title_width$}  {}",
            c.name, c.title, c.kind
        )?;
    }
    Ok(())
}

#[track_screen("capabilities describe")]
pub fn describe(out: &mut dyn Write, name: &str) -> Result<(), CliError> {
    let Some(c) = capability::find(name) else {
        return Err(CliError::Usage(format!(
            "unknown capability {name:?}; valid names are: {} (see `lumogon capabilities`)",
            capability::names()
        )));
    };
    writeln!(out, "name:        {}", c.name)?;
    writeln!(out, "title:       {}", c.title)?;
    writeln!(out, "type:        {}", c.kind)?;
    writeln!(out, "schema:      {}", c.schema())?;
    writeln!(out, "description: {}", c.description)?;
    Ok(())
}
