//! Small-number suppression for published tables (DOMAIN §8): no count from 1 to `threshold - 1`
//! is shown, and no suppressed count can be worked out again from what is shown.
//!
//! - **Primary:** every cell, row total, column total and the grand total whose value is from 1 to
//!   `threshold - 1` is suppressed. Zero is shown.
//! - **Secondary:** a row (its cells and its total) or a column with exactly one suppressed entry
//!   would give it away by subtraction, so the smallest other entry of that line is suppressed
//!   too (its total when no cell is left); repeated until no line has exactly one.
//! - **Rates:** a rate is shown only when both its numerator and its denominator are shown and
//!   the denominator is not zero.
use serde::Serialize;

/// One published count: `value` is `None` exactly when `suppressed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Cell {
    pub value: Option<u64>,
    pub suppressed: bool,
}

impl Cell {
    fn shown(v: u64) -> Self {
        Cell { value: Some(v), suppressed: false }
    }
    const HIDDEN: Cell = Cell { value: None, suppressed: true };
}

/// A table as published: cells by row and column, each row's total, each column's total, and
/// the grand total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Table {
    pub cells: Vec<Vec<Cell>>,
    pub row_totals: Vec<Cell>,
    pub column_totals: Vec<Cell>,
    pub total: Cell,
}

/// Suppresses `counts` (rows × columns, every row the same length) for publication.
pub fn table(counts: &[Vec<u64>], threshold: u64) -> Table {
    let rows = counts.len();
    let cols = counts.first().map_or(0, Vec::len);
    // The full grid: cells, a totals column (index `cols`) and a totals row (index `rows`).
    let mut v = vec![vec![0u64; cols + 1]; rows + 1];
    for (r, row) in counts.iter().enumerate() {
        for (c, &n) in row.iter().enumerate().take(cols) {
            v[r][c] = n;
            v[r][cols] += n;
            v[rows][c] += n;
            v[rows][cols] += n;
        }
    }
    let small = |n: u64| n >= 1 && n < threshold;
    let mut hidden: Vec<Vec<bool>> = v.iter().map(|row| row.iter().map(|&n| small(n)).collect()).collect();
    // Secondary suppression. Each line (a row with its total, a column with its total) is one
    // equation; a line with exactly one hidden entry gives it away.
    loop {
        let mut changed = false;
        for r in 0..=rows {
            let line: Vec<(usize, usize)> = (0..=cols).map(|c| (r, c)).collect();
            changed |= protect(&line, &v, &mut hidden);
        }
        for c in 0..=cols {
            let line: Vec<(usize, usize)> = (0..=rows).map(|r| (r, c)).collect();
            changed |= protect(&line, &v, &mut hidden);
        }
        if !changed {
            break;
        }
    }
    let cell = |r: usize, c: usize| if hidden[r][c] { Cell::HIDDEN } else { Cell::shown(v[r][c]) };
    Table {
        cells: (0..rows).map(|r| (0..cols).map(|c| cell(r, c)).collect()).collect(),
        row_totals: (0..rows).map(|r| cell(r, cols)).collect(),
        column_totals: (0..cols).map(|c| cell(rows, c)).collect(),
        total: cell(rows, cols),
    }
}

/// If exactly one entry of `line` is hidden, hides one more: the smallest cell other than the
/// line's total (the last entry), or the total when no cell is left. Returns whether it did.
fn protect(line: &[(usize, usize)], v: &[Vec<u64>], hidden: &mut [Vec<bool>]) -> bool {
    if line.iter().filter(|&&(r, c)| hidden[r][c]).count() != 1 {
        return false;
    }
    let (total, cells) = line.split_last().expect("a line has a total");
    let pick = cells.iter().filter(|&&(r, c)| !hidden[r][c]).min_by_key(|&&(r, c)| v[r][c]).copied();
    let (r, c) = match pick {
        Some(p) => p,
        None if !hidden[total.0][total.1] => *total,
        None => return false,
    };
    hidden[r][c] = true;
    true
}

/// A rate (0 to 1), shown only when both counts are and the denominator is not zero.
pub fn rate(numerator: Cell, denominator: Cell) -> Option<f64> {
    match (numerator.value, denominator.value) {
        (Some(n), Some(d)) if d > 0 => Some(n as f64 / d as f64),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Everything a reader can work out from a published table by subtraction along its rows and
    /// columns (repeatedly): the test's attacker, written apart from the rule.
    fn recoverable(t: &Table, rows: usize, cols: usize) -> Vec<(usize, usize)> {
        let mut known: Vec<Vec<Option<u64>>> = (0..=rows)
            .map(|r| {
                (0..=cols)
                    .map(|c| match (r == rows, c == cols) {
                        (false, false) => t.cells[r][c].value,
                        (false, true) => t.row_totals[r].value,
                        (true, false) => t.column_totals[c].value,
                        (true, true) => t.total.value,
                    })
                    .collect()
            })
            .collect();
        let hidden_at_start: Vec<(usize, usize)> =
            (0..=rows).flat_map(|r| (0..=cols).map(move |c| (r, c))).filter(|&(r, c)| known[r][c].is_none()).collect();
        loop {
            let mut progress = false;
            let lines: Vec<Vec<(usize, usize)>> = (0..=rows)
                .map(|r| (0..=cols).map(|c| (r, c)).collect())
                .chain((0..=cols).map(|c| (0..=rows).map(|r| (r, c)).collect()))
                .collect();
            for line in lines {
                let unknown: Vec<_> = line.iter().filter(|&&(r, c)| known[r][c].is_none()).copied().collect();
                if unknown.len() == 1 {
                    let (total, cells) = line.split_last().unwrap();
                    let (ur, uc) = unknown[0];
                    let value = if (ur, uc) == *total {
                        cells.iter().map(|&(r, c)| known[r][c].unwrap()).sum()
                    } else {
                        let others: u64 =
                            cells.iter().filter(|&&p| p != (ur, uc)).map(|&(r, c)| known[r][c].unwrap()).sum();
                        known[total.0][total.1].unwrap() - others
                    };
                    known[ur][uc] = Some(value);
                    progress = true;
                }
            }
            if !progress {
                break;
            }
        }
        hidden_at_start.into_iter().filter(|&(r, c)| known[r][c].is_some()).collect()
    }

    #[test]
    fn small_counts_are_hidden_and_zero_is_shown() {
        let t = table(&[vec![0, 7, 12], vec![6, 9, 40]], 5);
        assert_eq!(t.cells[0][0], Cell::shown(0));
        assert!(t.cells.iter().flatten().all(|c| !c.suppressed));
        assert_eq!(t.total, Cell::shown(74));
    }

    #[test]
    fn a_table_that_would_leak_by_subtraction_does_not() {
        // One 3 in a row of 3 + 20 + 30 = 53: publishing the rest gives the 3 away.
        let counts = vec![vec![3, 20, 30], vec![15, 25, 35], vec![10, 11, 12]];
        let t = table(&counts, 5);
        assert!(t.cells[0][0].suppressed);
        assert!(recoverable(&t, 3, 3).is_empty(), "{t:?}");
        // Its row and its column each hide a second entry.
        assert!(t.cells[0].iter().filter(|c| c.suppressed).count() + usize::from(t.row_totals[0].suppressed) >= 2);
        assert!(t.cells.iter().filter(|r| r[0].suppressed).count() + usize::from(t.column_totals[0].suppressed) >= 2);
    }

    #[test]
    fn many_tables_never_leak() {
        // A deterministic spread of shapes and small numbers.
        let mut seed = 7u64;
        let mut next = || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            seed >> 33
        };
        for _ in 0..300 {
            let (rows, cols) = (1 + next() as usize % 5, 1 + next() as usize % 5);
            let counts: Vec<Vec<u64>> =
                (0..rows).map(|_| (0..cols).map(|_| [0, 1, 2, 4, 5, 9, 30][next() as usize % 7]).collect()).collect();
            let t = table(&counts, 5);
            assert!(recoverable(&t, rows, cols).is_empty(), "{counts:?} → {t:?}");
            for (r, row) in t.cells.iter().enumerate() {
                for (c, cell) in row.iter().enumerate() {
                    let n = counts[r][c];
                    assert!(!(1..5).contains(&n) || cell.suppressed, "{n} shown in {counts:?}");
                    assert_eq!(cell.value.is_none(), cell.suppressed);
                    if let Some(v) = cell.value {
                        assert_eq!(v, n);
                    }
                }
            }
        }
    }

    #[test]
    fn a_rate_over_a_small_denominator_is_not_shown() {
        let t = table(&[vec![2, 1]], 5);
        // 2 of 3 decided on time: the denominator (3) is hidden, so the rate is too.
        assert!(t.total.suppressed);
        assert_eq!(rate(t.cells[0][0], t.total), None);
        let t = table(&[vec![20, 30]], 5);
        assert_eq!(rate(t.cells[0][0], t.total), Some(0.4));
        assert_eq!(rate(Cell::shown(0), Cell::shown(0)), None);
    }

    #[test]
    fn the_threshold_is_a_setting() {
        let t = table(&[vec![7, 40]], 10);
        assert!(t.cells[0][0].suppressed && t.cells[0][1].suppressed, "{t:?}");
        let t = table(&[vec![7, 40]], 5);
        assert!(!t.cells[0][0].suppressed);
    }
}
