//! Reading what trials saved for an ensemble: `predictions.csv` or
//! `predictions.npy` (one row per validation example; one column for a
//! regression value or a label, one per class for probabilities) and
//! `targets.csv` / `targets.npy` (one column), in a trial's folder or once
//! in the study's.
//!
//! A CSV file may start with one header row (pandas writes one): a first
//! row with a cell that is not a number is taken as a header and skipped.
//! Every other cell must be a finite number.

use crate::error::EnsembleError;
use ndarray::{Array1, Array2, Ix1, Ix2};
use ndarray_npy::{ReadNpyError, ReadNpyExt, ReadableElement};
use std::path::{Path, PathBuf};

/// The base name of a trial's saved validation predictions.
pub const PREDICTIONS: &str = "predictions";
/// The base name of the validation targets.
pub const TARGETS: &str = "targets";

/// `dir/<base>.csv` or `dir/<base>.npy`, whichever exists (CSV first).
pub(crate) fn find(dir: &Path, base: &str) -> Option<PathBuf> {
    ["csv", "npy"]
        .iter()
        .map(|ext| dir.join(format!("{base}.{ext}")))
        .find(|p| p.is_file())
}

/// The first bytes of every `.npy` file.
const NPY_MAGIC: &[u8] = b"\x93NUMPY";

/// Writes `matrix` as CSV without a header, one row per line, each number
/// in the shortest form that reads back exactly.
pub fn write_csv(matrix: &Array2<f64>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    for row in matrix.rows() {
        let cells: Vec<String> = row.iter().map(f64::to_string).collect();
        writeln!(out, "{}", cells.join(","))?;
    }
    out.flush()
}

/// A table of finite numbers from a `.npy` file (known by its first
/// bytes, whatever its name) or, otherwise, a CSV file.
pub fn read_matrix(path: &Path) -> Result<Array2<f64>, EnsembleError> {
    let bytes = std::fs::read(path).map_err(|e| read_error(path, e.to_string()))?;
    let matrix = if bytes.starts_with(NPY_MAGIC) || path.extension().is_some_and(|e| e == "npy") {
        read_npy(path, &bytes)?
    } else {
        read_csv(path, &bytes)?
    };
    if let Some(((row, column), value)) = matrix.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(EnsembleError::NotFinite {
            path: path.display().to_string(),
            row: row + 1,
            column: column + 1,
            text: value.to_string(),
        });
    }
    Ok(matrix)
}

fn read_error(path: &Path, reason: String) -> EnsembleError {
    EnsembleError::Read {
        path: path.display().to_string(),
        reason,
    }
}

fn read_csv(path: &Path, bytes: &[u8]) -> Result<Array2<f64>, EnsembleError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let mut data = Vec::new();
    let mut width = None;
    let mut rows = 0;
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(|e| read_error(path, e.to_string()))?;
        let row = index + 1;
        if record.iter().all(str::is_empty) {
            continue;
        }
        if index == 0 && record.iter().any(|cell| cell.parse::<f64>().is_err()) {
            continue; // a header row
        }
        let expected = *width.get_or_insert(record.len());
        if record.len() != expected {
            return Err(EnsembleError::Ragged {
                path: path.display().to_string(),
                row,
                found: record.len(),
                expected,
            });
        }
        for (column, cell) in record.iter().enumerate() {
            match cell.parse::<f64>() {
                Ok(v) if v.is_finite() => data.push(v),
                _ => {
                    return Err(EnsembleError::NotFinite {
                        path: path.display().to_string(),
                        row,
                        column: column + 1,
                        text: cell.to_string(),
                    })
                }
            }
        }
        rows += 1;
    }
    let width = width.ok_or_else(|| read_error(path, "the file has no rows".to_string()))?;
    Array2::from_shape_vec((rows, width), data).map_err(|e| read_error(path, e.to_string()))
}

/// A 1-D or 2-D array of floats, integers or booleans, as `f64` (a 1-D
/// array is one column).
fn read_npy(path: &Path, bytes: &[u8]) -> Result<Array2<f64>, EnsembleError> {
    type Reader = fn(&[u8]) -> Result<Array2<f64>, ReadNpyError>;
    let readers: [Reader; 6] = [
        as_f64::<f64>,
        as_f64::<f32>,
        as_f64::<i64>,
        as_f64::<i32>,
        as_f64::<u8>,
        as_f64::<bool>,
    ];
    let mut reason = String::new();
    for read in readers {
        match read(bytes) {
            Ok(m) => return Ok(m),
            Err(e @ (ReadNpyError::WrongDescriptor(_) | ReadNpyError::WrongNdim(..))) => {
                reason = e.to_string();
            }
            Err(e) => return Err(read_error(path, e.to_string())),
        }
    }
    Err(read_error(
        path,
        format!("a 1-D or 2-D array of numbers is needed ({reason})"),
    ))
}

/// Element types read from `.npy` and widened to `f64`.
trait Widen: ReadableElement + Copy {
    fn widen(self) -> f64;
}

macro_rules! widen {
    ($($t:ty),*) => {$(
        impl Widen for $t {
            #[allow(clippy::cast_precision_loss, clippy::cast_lossless)]
            fn widen(self) -> f64 { self as f64 }
        }
    )*};
}
widen!(f64, f32, i64, i32, u8);

impl Widen for bool {
    fn widen(self) -> f64 {
        f64::from(u8::from(self))
    }
}

fn as_f64<T: Widen>(bytes: &[u8]) -> Result<Array2<f64>, ReadNpyError> {
    match ndarray::Array::<T, Ix2>::read_npy(bytes) {
        Ok(m) => Ok(m.mapv(Widen::widen)),
        Err(ReadNpyError::WrongNdim(..)) => {
            let column: Array1<T> = ndarray::Array::<T, Ix1>::read_npy(bytes)?;
            let n = column.len();
            Ok(column
                .mapv(Widen::widen)
                .into_shape_with_order((n, 1))
                .map_err(|e| ReadNpyError::ParseData(Box::new(e)))?)
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn reads_csv_with_or_without_header() {
        let dir = tempfile::tempdir().unwrap();
        let plain = read_matrix(&write(dir.path(), "a.csv", "0.1,0.9\n0.7, 0.3\n")).unwrap();
        assert_eq!(plain.shape(), [2, 2]);
        assert!((plain[[1, 1]] - 0.3).abs() < 1e-12);
        let headed = read_matrix(&write(dir.path(), "b.csv", "p0,p1\n0.1,0.9\n")).unwrap();
        assert_eq!(headed.shape(), [1, 2]);
    }

    #[test]
    fn ragged_rows_and_nan_name_the_file_and_row() {
        let dir = tempfile::tempdir().unwrap();
        let ragged = write(dir.path(), "r.csv", "1,2\n3\n");
        let err = read_matrix(&ragged).unwrap_err();
        assert!(
            matches!(
                err,
                EnsembleError::Ragged {
                    row: 2,
                    found: 1,
                    expected: 2,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("r.csv"));
        let nan = write(dir.path(), "n.csv", "1\nnan\n");
        let err = read_matrix(&nan).unwrap_err();
        assert!(
            matches!(
                err,
                EnsembleError::NotFinite {
                    row: 2,
                    column: 1,
                    ..
                }
            ),
            "{err}"
        );
        let text = write(dir.path(), "t.csv", "1\nabc\n");
        assert!(matches!(
            read_matrix(&text),
            Err(EnsembleError::NotFinite { .. })
        ));
        let empty = write(dir.path(), "e.csv", "");
        assert!(matches!(
            read_matrix(&empty),
            Err(EnsembleError::Read { .. })
        ));
        assert!(matches!(
            read_matrix(&dir.path().join("missing.csv")),
            Err(EnsembleError::Read { .. })
        ));
    }

    #[test]
    fn reads_npy_of_several_types_and_ranks() {
        use ndarray_npy::WriteNpyExt;
        let dir = tempfile::tempdir().unwrap();
        let two = ndarray::arr2(&[[0.25f32, 0.75], [1.0, 0.0]]);
        let path = dir.path().join("p.npy");
        two.write_npy(std::fs::File::create(&path).unwrap())
            .unwrap();
        let m = read_matrix(&path).unwrap();
        assert_eq!(m.shape(), [2, 2]);
        assert!((m[[0, 1]] - 0.75).abs() < 1e-12);
        let labels = ndarray::arr1(&[1i64, 0, 2]);
        let path = dir.path().join("l.npy");
        labels
            .write_npy(std::fs::File::create(&path).unwrap())
            .unwrap();
        let m = read_matrix(&path).unwrap();
        assert_eq!(m.shape(), [3, 1]);
        assert!((m[[2, 0]] - 2.0).abs() < 1e-12);
        let nan = ndarray::arr1(&[1.0f64, f64::NAN]);
        let path = dir.path().join("nan.npy");
        nan.write_npy(std::fs::File::create(&path).unwrap())
            .unwrap();
        assert!(matches!(
            read_matrix(&path),
            Err(EnsembleError::NotFinite { row: 2, .. })
        ));
        let junk = write(dir.path(), "j.npy", "not an npy file");
        assert!(matches!(
            read_matrix(&junk),
            Err(EnsembleError::Read { .. })
        ));
    }
}
