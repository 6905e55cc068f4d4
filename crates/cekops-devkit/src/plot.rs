//! Line charts as SVG (no dependency): the scale plots of the benchmarks, log-log, one line per
//! series, several panels side by side.

use std::fmt::Write as _;

/// One line of a panel: a name and its points (x, y); points with `y <= 0` are left out.
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// One chart: a title, axis labels and its lines.
pub struct Panel {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
}

const W: f64 = 460.0;
const H: f64 = 340.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 50.0;
const COLOURS: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
];

/// Powers of ten covering `lo..=hi` (at least two).
fn decades(lo: f64, hi: f64) -> (f64, f64) {
    let a = lo.log10().floor();
    let mut b = hi.log10().ceil();
    if b <= a {
        b = a + 1.0;
    }
    (a, b)
}

/// A number for an axis tick: 10k, 1M, 0.1, 300…
pub fn short(v: f64) -> String {
    let (n, unit) = if v >= 1e9 {
        (v / 1e9, "G")
    } else if v >= 1e6 {
        (v / 1e6, "M")
    } else if v >= 1e3 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let text = if n >= 10.0 || n.fract() == 0.0 {
        format!("{n:.0}")
    } else if n >= 1.0 {
        format!("{n:.1}")
    } else {
        format!("{n:.2}")
    };
    format!("{text}{unit}")
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The panels side by side as one SVG document, the series names in a legend below.
pub fn svg(title: &str, panels: &[Panel]) -> String {
    let width = W * panels.len() as f64;
    let names: Vec<&str> = {
        let mut v: Vec<&str> = Vec::new();
        for p in panels {
            for s in &p.series {
                if !v.contains(&s.name.as_str()) {
                    v.push(&s.name);
                }
            }
        }
        v
    };
    let legend_rows = names.len().div_ceil(3);
    let height = H + 20.0 + 18.0 * legend_rows as f64;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        out,
        r#"<rect width="100%" height="100%" fill="white"/><text x="{}" y="18" text-anchor="middle" font-size="14" font-weight="bold">{}</text>"#,
        width / 2.0,
        escape(title)
    );
    for (i, p) in panels.iter().enumerate() {
        panel(&mut out, p, W * i as f64, &names);
    }
    for (k, name) in names.iter().enumerate() {
        let x = 20.0 + (k % 3) as f64 * (width / 3.0);
        let y = H + 14.0 + 18.0 * (k / 3) as f64;
        let colour = COLOURS[k % COLOURS.len()];
        let _ = writeln!(
            out,
            r#"<line x1="{x}" y1="{y}" x2="{}" y2="{y}" stroke="{colour}" stroke-width="2"/><text x="{}" y="{}">{}</text>"#,
            x + 24.0,
            x + 30.0,
            y + 4.0,
            escape(name)
        );
    }
    out.push_str("</svg>\n");
    out
}

fn panel(out: &mut String, p: &Panel, x0: f64, names: &[&str]) {
    let pts = p
        .series
        .iter()
        .flat_map(|s| s.points.iter())
        .filter(|(x, y)| *x > 0.0 && *y > 0.0);
    let (mut xlo, mut xhi, mut ylo, mut yhi) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for (x, y) in pts {
        xlo = xlo.min(*x);
        xhi = xhi.max(*x);
        ylo = ylo.min(*y);
        yhi = yhi.max(*y);
    }
    if xlo > xhi {
        (xlo, xhi, ylo, yhi) = (1.0, 10.0, 1.0, 10.0);
    }
    let (xa, xb) = decades(xlo, xhi);
    let (ya, yb) = decades(ylo, yhi);
    let pw = W - LEFT - RIGHT;
    let ph = H - TOP - BOTTOM;
    let sx = |x: f64| x0 + LEFT + (x.log10() - xa) / (xb - xa) * pw;
    let sy = |y: f64| TOP + ph - (y.log10() - ya) / (yb - ya) * ph;
    let _ = writeln!(
        out,
        r#"<text x="{}" y="{}" text-anchor="middle" font-weight="bold">{}</text>"#,
        x0 + LEFT + pw / 2.0,
        TOP - 8.0,
        escape(&p.title)
    );
    // grid and ticks: every decade, and 2 and 5 times it
    let mut d = xa;
    while d <= xb {
        let v = 10f64.powf(d);
        let x = sx(v);
        let _ = writeln!(
            out,
            r##"<line x1="{x}" y1="{TOP}" x2="{x}" y2="{}" stroke="#ddd"/><text x="{x}" y="{}" text-anchor="middle">{}</text>"##,
            TOP + ph,
            TOP + ph + 16.0,
            short(v)
        );
        d += 1.0;
    }
    let mut d = ya;
    while d <= yb {
        for m in [1.0, 2.0, 5.0] {
            let v = m * 10f64.powf(d);
            if v.log10() > yb + 1e-9 {
                continue;
            }
            let y = sy(v);
            let _ = writeln!(
                out,
                r##"<line x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="{}"/><text x="{}" y="{}" text-anchor="end">{}</text>"##,
                x0 + LEFT,
                x0 + LEFT + pw,
                if m == 1.0 { "#ccc" } else { "#eee" },
                x0 + LEFT - 4.0,
                y + 4.0,
                short(v)
            );
        }
        d += 1.0;
    }
    let _ = writeln!(
        out,
        r##"<rect x="{}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>"##,
        x0 + LEFT
    );
    let _ = writeln!(
        out,
        r#"<text x="{}" y="{}" text-anchor="middle">{}</text><text transform="translate({},{}) rotate(-90)" text-anchor="middle">{}</text>"#,
        x0 + LEFT + pw / 2.0,
        H - 12.0,
        escape(&p.x_label),
        x0 + 16.0,
        TOP + ph / 2.0,
        escape(&p.y_label)
    );
    for s in &p.series {
        let k = names.iter().position(|n| *n == s.name).unwrap_or(0);
        let colour = COLOURS[k % COLOURS.len()];
        let pts: Vec<String> = s
            .points
            .iter()
            .filter(|(x, y)| *x > 0.0 && *y > 0.0)
            .map(|(x, y)| format!("{:.1},{:.1}", sx(*x), sy(*y)))
            .collect();
        if pts.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"/>"#,
            pts.join(" ")
        );
        for p in &pts {
            let (x, y) = p.split_once(',').unwrap_or(("0", "0"));
            let _ = writeln!(out, r#"<circle cx="{x}" cy="{y}" r="3" fill="{colour}"/>"#);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_read_as_sizes() {
        assert_eq!(short(10_000.0), "10k");
        assert_eq!(short(3_000_000.0), "3M");
        assert_eq!(short(1_500.0), "1.5k");
        assert_eq!(short(0.5), "0.50");
    }

    #[test]
    fn one_polyline_per_series_with_points() {
        let doc = svg(
            "t",
            &[Panel {
                title: "time".into(),
                x_label: "x".into(),
                y_label: "y".into(),
                series: vec![
                    Series {
                        name: "a".into(),
                        points: vec![(1e4, 10.0), (1e6, 400.0)],
                    },
                    Series {
                        name: "b <peer>".into(),
                        points: vec![(1e4, 0.0)],
                    },
                ],
            }],
        );
        assert!(doc.starts_with("<svg"));
        assert_eq!(doc.matches("<polyline").count(), 1);
        assert_eq!(doc.matches("<circle").count(), 2);
        assert!(doc.contains("b &lt;peer&gt;"));
    }
}
