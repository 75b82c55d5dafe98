//! Rows of trials as an aligned table, CSV or JSON.

use crate::cli::TableFormat;
use hyperspace_engine::Trial;
use hyperspace_query::{Cell, Field};
use std::io::Write;

/// Longest text shown in a table cell; longer text is cut with `…`.
const MAX_CELL: usize = 48;

/// Writes `trials` with `columns` in `format`.
pub fn write_rows(
    out: &mut dyn Write,
    columns: &[Field],
    trials: &[&Trial],
    format: TableFormat,
) -> std::io::Result<()> {
    let header: Vec<String> = columns.iter().map(Field::name).collect();
    let rows: Vec<Vec<Cell>> = trials
        .iter()
        .map(|t| columns.iter().map(|c| c.get(t)).collect())
        .collect();
    match format {
        TableFormat::Table => {
            let shown: Vec<Vec<String>> = rows
                .iter()
                .map(|r| r.iter().map(|c| truncate(&c.short())).collect())
                .collect();
            let numeric: Vec<bool> = (0..columns.len())
                .map(|i| {
                    rows.iter()
                        .all(|r| matches!(r[i], Cell::Num(_) | Cell::Missing))
                })
                .collect();
            write_aligned(out, &header, &shown, &numeric)
        }
        TableFormat::Csv => {
            writeln!(out, "{}", csv_line(&header))?;
            for row in &rows {
                let cells: Vec<String> = row.iter().map(Cell::exact).collect();
                writeln!(out, "{}", csv_line(&cells))?;
            }
            Ok(())
        }
        TableFormat::Json => {
            let array: Vec<serde_json::Value> = rows
                .iter()
                .map(|row| {
                    let object: serde_json::Map<String, serde_json::Value> = header
                        .iter()
                        .cloned()
                        .zip(row.iter().map(Cell::json))
                        .collect();
                    serde_json::Value::Object(object)
                })
                .collect();
            let text = serde_json::to_string_pretty(&array).map_err(std::io::Error::other)?;
            writeln!(out, "{text}")
        }
    }
}

/// Writes an aligned table: a header, then rows; numeric columns on the right.
pub fn write_aligned(
    out: &mut dyn Write,
    header: &[String],
    rows: &[Vec<String>],
    numeric: &[bool],
) -> std::io::Result<()> {
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| -> String {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let pad = widths[i].saturating_sub(c.chars().count());
                if numeric.get(i).copied().unwrap_or(false) {
                    format!("{}{c}", " ".repeat(pad))
                } else if i + 1 == cells.len() {
                    c.clone()
                } else {
                    format!("{c}{}", " ".repeat(pad))
                }
            })
            .collect();
        parts.join("  ").trim_end().to_string()
    };
    writeln!(out, "{}", line(header))?;
    for row in rows {
        writeln!(out, "{}", line(row))?;
    }
    Ok(())
}

fn truncate(text: &str) -> String {
    let one_line = text.replace(['\n', '\r', '\t'], " ");
    if one_line.chars().count() <= MAX_CELL {
        return one_line;
    }
    let cut: String = one_line.chars().take(MAX_CELL - 1).collect();
    format!("{cut}…")
}

/// One CSV line, quoting fields that need it (RFC 4180).
pub fn csv_line(cells: &[String]) -> String {
    cells
        .iter()
        .map(|c| {
            if c.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", c.replace('"', "\"\""))
            } else {
                c.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}
