//! Small-number suppression for published tables (DOMAIN §8): no count from 1 to `threshold - 1`
//! is shown, and no suppressed count can be worked out again from what is shown.
//!
//! - **Primary:** every cell, row total, column total and the grand total whose value is from 1 to
//!   `threshold - 1` is suppressed. Zero is shown.
//! - **Secondary:** a row (its cells and its total) or a column with exactly one suppressed entry
//!   would give it away by subtraction, so the smallest other entry of that line is suppressed
//!   too (its total when no cell is left). A line whose shown total leaves its hidden cells
//!   summing to 1 to `threshold - 1` would tell that small sum, so it hides more. And since rows
//!   and columns together can still pin a cell down where no single line does, every hidden entry
//!   is checked against all the table's equations at once (Gaussian elimination): one that they
//!   determine makes its row hide one more. Repeated until nothing changes.
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
    // equation: the line's cells sum to its total.
    let lines: Vec<Vec<(usize, usize)>> = (0..=rows)
        .map(|r| (0..=cols).map(|c| (r, c)).collect())
        .chain((0..=cols).map(|c| (0..=rows).map(|r| (r, c)).collect()))
        .collect();
    loop {
        let mut changed = false;
        for line in &lines {
            changed |= protect(line, &v, &mut hidden, threshold);
        }
        if !changed {
            // No single line gives anything away; now all of them together.
            // Hide one more entry in the row, else the column, of an entry they determine.
            for (r, c) in determined(&lines, &hidden) {
                if hide_one_more(&lines[r], &v, &mut hidden) || hide_one_more(&lines[rows + 1 + c], &v, &mut hidden) {
                    changed = true;
                    break;
                }
            }
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

/// Hides one more entry of `line` when it gives something away on its own: exactly one hidden
/// entry, or a shown total that leaves the hidden cells summing to 1 to `threshold - 1`.
fn protect(line: &[(usize, usize)], v: &[Vec<u64>], hidden: &mut [Vec<bool>], threshold: u64) -> bool {
    let (total, cells) = line.split_last().expect("a line has a total");
    let count = line.iter().filter(|&&(r, c)| hidden[r][c]).count();
    let hidden_sum: u64 = cells.iter().filter(|&&(r, c)| hidden[r][c]).map(|&(r, c)| v[r][c]).sum();
    let small_sum = !hidden[total.0][total.1] && hidden_sum >= 1 && hidden_sum < threshold;
    if count != 1 && !small_sum {
        return false;
    }
    hide_one_more(line, v, hidden)
}

/// Hides the smallest shown cell of `line` (a non-zero one first: hiding a zero adds little
/// cover), or its total when no cell is left. Returns whether it hid anything.
fn hide_one_more(line: &[(usize, usize)], v: &[Vec<u64>], hidden: &mut [Vec<bool>]) -> bool {
    let (total, cells) = line.split_last().expect("a line has a total");
    let shown = || cells.iter().filter(|&&(r, c)| !hidden[r][c]);
    let pick =
        shown().filter(|&&(r, c)| v[r][c] > 0).min_by_key(|&&(r, c)| v[r][c]).or_else(|| shown().next()).copied();
    let (r, c) = match pick {
        Some(p) => p,
        None if !hidden[total.0][total.1] => *total,
        None => return false,
    };
    hidden[r][c] = true;
    true
}

/// The hidden entries that the table's equations, taken together, determine: the unit vector of
/// an entry lies in the row space of the equations restricted to the hidden entries exactly when
/// its value follows from what is shown.
fn determined(lines: &[Vec<(usize, usize)>], hidden: &[Vec<bool>]) -> Vec<(usize, usize)> {
    let unknowns: Vec<(usize, usize)> = hidden
        .iter()
        .enumerate()
        .flat_map(|(r, row)| row.iter().enumerate().filter(|(_, h)| **h).map(move |(c, _)| (r, c)))
        .collect();
    if unknowns.is_empty() {
        return vec![];
    }
    let index: std::collections::HashMap<(usize, usize), usize> =
        unknowns.iter().enumerate().map(|(i, u)| (*u, i)).collect();
    let col_of = |p: (usize, usize)| index.get(&p).copied();
    // One equation per line over the hidden entries: cells +1, the total -1.
    let mut m: Vec<Vec<f64>> = lines
        .iter()
        .map(|line| {
            let mut eq = vec![0.0; unknowns.len()];
            let last = line.len() - 1;
            for (i, &p) in line.iter().enumerate() {
                if let Some(k) = col_of(p) {
                    eq[k] += if i == last { -1.0 } else { 1.0 };
                }
            }
            eq
        })
        .collect();
    // Reduced row echelon form.
    let mut pivots = vec![];
    let mut row = 0;
    for col in 0..unknowns.len() {
        let Some(p) = (row..m.len()).find(|&i| m[i][col].abs() > 1e-9) else { continue };
        m.swap(row, p);
        let f = m[row][col];
        for x in m[row].iter_mut() {
            *x /= f;
        }
        for i in 0..m.len() {
            if i != row && m[i][col].abs() > 1e-9 {
                let g = m[i][col];
                let pivot_row = m[row].clone();
                for (x, y) in m[i].iter_mut().zip(pivot_row) {
                    *x -= g * y;
                }
            }
        }
        pivots.push(col);
        row += 1;
        if row == m.len() {
            break;
        }
    }
    // A variable is determined when some reduced row has it as its only non-zero entry.
    let mut out = vec![];
    for (i, &col) in pivots.iter().enumerate() {
        if m[i].iter().enumerate().all(|(j, x)| j == col || x.abs() <= 1e-9) {
            out.push(unknowns[col]);
        }
    }
    out
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

    /// The hidden entries a reader can pin down from all the equations at once (exact rational
    /// elimination, written apart from the rule's floating-point one).
    fn solvable(t: &Table, rows: usize, cols: usize) -> Vec<(usize, usize)> {
        let hidden = |r: usize, c: usize| match (r == rows, c == cols) {
            (false, false) => t.cells[r][c].suppressed,
            (false, true) => t.row_totals[r].suppressed,
            (true, false) => t.column_totals[c].suppressed,
            (true, true) => t.total.suppressed,
        };
        let unknowns: Vec<(usize, usize)> =
            (0..=rows).flat_map(|r| (0..=cols).map(move |c| (r, c))).filter(|&(r, c)| hidden(r, c)).collect();
        let lines: Vec<Vec<(usize, usize)>> = (0..=rows)
            .map(|r| (0..=cols).map(|c| (r, c)).collect())
            .chain((0..=cols).map(|c| (0..=rows).map(|r| (r, c)).collect()))
            .collect();
        // Integer matrix; fraction-free elimination (Bareiss-like, i128).
        let mut m: Vec<Vec<i128>> = lines
            .iter()
            .map(|line| {
                let last = line.len() - 1;
                unknowns
                    .iter()
                    .map(|u| line.iter().position(|p| p == u).map_or(0, |i| if i == last { -1 } else { 1 }))
                    .collect()
            })
            .collect();
        let mut pivots = vec![];
        let mut row = 0;
        for col in 0..unknowns.len() {
            let Some(p) = (row..m.len()).find(|&i| m[i][col] != 0) else { continue };
            m.swap(row, p);
            for i in 0..m.len() {
                if i != row && m[i][col] != 0 {
                    let (a, b) = (m[row][col], m[i][col]);
                    let pivot = m[row].clone();
                    for (x, y) in m[i].iter_mut().zip(pivot) {
                        *x = *x * a - y * b;
                    }
                    let g = m[i].iter().fold(0i128, |g, x| gcd(g, x.abs()));
                    if g > 1 {
                        m[i].iter_mut().for_each(|x| *x /= g);
                    }
                }
            }
            pivots.push(col);
            row += 1;
        }
        pivots
            .iter()
            .enumerate()
            .filter(|(i, col)| m[*i].iter().enumerate().all(|(j, x)| j == **col || *x == 0))
            .map(|(_, col)| unknowns[*col])
            .collect()
    }

    fn gcd(a: i128, b: i128) -> i128 {
        if b == 0 { a } else { gcd(b, a % b) }
    }

    #[test]
    fn rows_and_columns_together_give_nothing_away() {
        // The reviewer's table: no single line has one hidden entry, but row 0, row 2 and columns
        // 2 and 3 together determined the 1 at (0, 1).
        let counts = vec![vec![0, 1, 3, 6, 12], vec![1, 0, 12, 8, 12], vec![0, 6, 4, 1, 8]];
        let t = table(&counts, 5);
        assert!(solvable(&t, 3, 5).is_empty(), "{t:?}");
        // And a hidden pair never sums to less than the threshold under a shown total.
        let t = table(&[vec![3, 0, 40]], 5);
        assert!(t.row_totals[0].suppressed || t.cells[0][2].suppressed, "{t:?}");
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
            assert!(solvable(&t, rows, cols).is_empty(), "{counts:?} → {t:?}");
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
