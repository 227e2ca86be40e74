//! The UCI optical-digits data (1,797 images of 8 x 8 pixels with values
//! 0..=16, ten classes), as scikit-learn distributes it: a gzip-compressed
//! CSV of 65 integers per line, the pixels row by row and then the label.
//! The file is compiled into the example (`examples/data/digits.csv.gz`,
//! source and licence in `examples/data/README.md`).

use super::random::Rng;

const DIGITS_GZ: &[u8] = include_bytes!("../data/digits.csv.gz");

pub const PIXELS: usize = 64;
pub const CLASSES: usize = 10;

/// Images as rows of `PIXELS` values scaled to [0, 1], and their labels.
pub struct Set {
    pub x: Vec<f64>,
    pub y: Vec<usize>,
}

impl Set {
    pub fn len(&self) -> usize {
        self.y.len()
    }
    pub fn image(&self, i: usize) -> &[f64] {
        &self.x[i * PIXELS..(i + 1) * PIXELS]
    }
    /// The images and labels at `idx`, in that order.
    pub fn select(&self, idx: &[usize]) -> Set {
        Set {
            x: idx.iter().flat_map(|&i| self.image(i).iter().copied()).collect(),
            y: idx.iter().map(|&i| self.y[i]).collect(),
        }
    }
}

/// Parses the whole data set (pixels divided by 16).
pub fn load() -> Result<Set, String> {
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(DIGITS_GZ), &mut text)
        .map_err(|e| format!("digits.csv.gz: {e}"))?;
    let mut set = Set {
        x: Vec::new(),
        y: Vec::new(),
    };
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let v: Vec<f64> = line
            .split(',')
            .map(|s| s.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|e| format!("digits.csv line {}: {e}", n + 1))?;
        if v.len() != PIXELS + 1 || v[PIXELS] < 0.0 || v[PIXELS] >= CLASSES as f64 {
            return Err(format!(
                "digits.csv line {}: expected 64 pixels and a label 0..9",
                n + 1
            ));
        }
        set.x.extend(v[..PIXELS].iter().map(|p| p / 16.0));
        set.y.push(v[PIXELS] as usize);
    }
    Ok(set)
}

/// A stratified split: `test_share` of each class goes to the test set,
/// chosen by a seeded shuffle; both sets are then shuffled.
pub fn split(all: &Set, test_share: f64, seed: u64) -> (Set, Set) {
    let mut rng = Rng::new(seed);
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for class in 0..CLASSES {
        let mut idx: Vec<usize> = (0..all.len()).filter(|&i| all.y[i] == class).collect();
        rng.shuffle(&mut idx);
        let n_test = (idx.len() as f64 * test_share).round() as usize;
        test.extend_from_slice(&idx[..n_test]);
        train.extend_from_slice(&idx[n_test..]);
    }
    rng.shuffle(&mut train);
    rng.shuffle(&mut test);
    (all.select(&train), all.select(&test))
}
