//! The benchmark's workload, generated from a fixed seed: page views by
//! Zipf-distributed client IPs over Zipf-distributed pages, each page request
//! followed by asset requests from the same IP, as the edge recorder's
//! messages; and the counts a correct processor must end with.

use std::collections::BTreeMap;

use visitor_model::message::{VisitMessage, VERSION};
use visitor_model::paths;

/// Zipf exponent of both IPs and pages.
pub const ZIPF_S: f64 = 1.1;
/// Asset requests after each page request.
pub const ASSETS_PER_VIEW: usize = 4;

/// How big a workload is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Page views.
    pub page_views: usize,
    /// Distinct client IPs to draw from.
    pub ips: usize,
    /// Distinct pages to draw from.
    pub pages: usize,
}

impl Shape {
    /// The workload: 2,000 page views, 1,000 IPs, 200 pages.
    pub const FULL: Shape = Shape {
        page_views: 2_000,
        ips: 1_000,
        pages: 200,
    };
    /// A smoke-test workload.
    pub const SMOKE: Shape = Shape {
        page_views: 40,
        ips: 20,
        pages: 10,
    };
}

/// SplitMix64: small, fast, and the same sequence everywhere.
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Ranks 0..n with P(k) proportional to 1 / (k + 1)^s.
pub struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    /// The distribution over `n` ranks.
    pub fn new(n: usize, s: f64) -> Self {
        let mut total = 0.0;
        let cumulative = (1..=n.max(1))
            .map(|k| {
                total += 1.0 / (k as f64).powf(s);
                total
            })
            .collect::<Vec<_>>();
        let cumulative = cumulative.into_iter().map(|c| c / total).collect();
        Zipf { cumulative }
    }

    /// A rank.
    pub fn sample(&self, rng: &mut Rng) -> usize {
        let u = rng.unit();
        self.cumulative
            .partition_point(|&c| c < u)
            .min(self.cumulative.len() - 1)
    }
}

/// What the tables must say after the workload.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Truth {
    /// Page views.
    pub page_views: u64,
    /// Distinct IPs.
    pub unique_visitors: u64,
    /// Requests per normalized path.
    pub paths: BTreeMap<String, u64>,
    /// Requests per IP.
    pub visitors: BTreeMap<String, u64>,
}

/// The messages, in send order, and the truth.
pub struct Workload {
    /// One message per request.
    pub messages: Vec<VisitMessage>,
    /// The expected counts.
    pub truth: Truth,
}

/// Generates the workload for `shape` from `seed`.
pub fn generate(shape: Shape, seed: u64) -> Workload {
    let mut rng = Rng::new(seed);
    let ip_dist = Zipf::new(shape.ips, ZIPF_S);
    let page_dist = Zipf::new(shape.pages, ZIPF_S);
    let mut messages = Vec::with_capacity(shape.page_views * (1 + ASSETS_PER_VIEW));
    let mut truth = Truth::default();
    let start = 1_790_000_000u64;
    for view in 0..shape.page_views {
        let ip_rank = ip_dist.sample(&mut rng);
        // Documentation ranges: 198.51.100.0/24 and 203.0.113.0/24, then 2001:db8::/32.
        let ip = match ip_rank {
            r if r < 256 => format!("198.51.100.{r}"),
            r if r < 512 => format!("203.0.113.{}", r - 256),
            r => format!("2001:db8::{r:x}"),
        };
        let page = page_dist.sample(&mut rng);
        let page_path = if page == 0 {
            "/".to_owned()
        } else {
            format!("/posts/{page}")
        };
        let mut requests = vec![page_path];
        for a in 0..ASSETS_PER_VIEW {
            requests.push(match a {
                0 => "/style.css".to_owned(),
                1 => "/counter.js".to_owned(),
                2 => "/config.json".to_owned(),
                _ => format!("/img/{}.webp", page % 20),
            });
        }
        for (i, path) in requests.into_iter().enumerate() {
            let n = messages.len();
            // CloudFront request IDs are 56 characters.
            let id = format!(
                "{:016x}{:016x}{:016x}{:08x}",
                rng.next_u64(),
                rng.next_u64(),
                rng.next_u64(),
                n
            );
            let seconds = start + (view as u64) * 3 + i as u64;
            if paths::is_page(&path) {
                truth.page_views += 1;
            }
            *truth.paths.entry(paths::normalize(&path)).or_default() += 1;
            *truth.visitors.entry(ip.clone()).or_default() += 1;
            messages.push(VisitMessage {
                v: VERSION,
                id,
                ip: ip.clone(),
                path,
                served: true,
                method: "GET".into(),
                user_agent: visitor_model::fixtures::BROWSER_USER_AGENT.into(),
                referer: String::new(),
                time: rfc3339(seconds),
            });
        }
    }
    truth.unique_visitors = truth.visitors.len() as u64;
    Workload { messages, truth }
}

/// `seconds` since the Unix epoch as RFC 3339 UTC.
fn rfc3339(seconds: u64) -> String {
    chrono::DateTime::from_timestamp(seconds as i64, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workload_is_fixed_by_its_seed_and_shaped_as_asked() {
        let a = generate(Shape::FULL, 7);
        let b = generate(Shape::FULL, 7);
        assert_eq!(a.messages, b.messages);
        assert_eq!(a.messages.len(), 10_000);
        assert_eq!(a.truth.page_views, 2_000);
        assert_eq!(a.truth.visitors.values().sum::<u64>(), 10_000);
        assert!(a.messages.iter().all(|m| m.id.len() == 56));
        // Zipf: the most frequent IP is far above the median one.
        let mut counts: Vec<u64> = a.truth.visitors.values().copied().collect();
        counts.sort_unstable();
        assert!(counts[counts.len() - 1] > 20 * counts[counts.len() / 2]);
        assert_ne!(generate(Shape::FULL, 8).messages, a.messages);
    }

    #[test]
    fn zipf_ranks_fall_off() {
        let zipf = Zipf::new(100, ZIPF_S);
        let mut rng = Rng::new(1);
        let mut hits = [0u32; 100];
        for _ in 0..20_000 {
            hits[zipf.sample(&mut rng)] += 1;
        }
        assert!(hits[0] > hits[1] && hits[1] > hits[9] && hits[9] > hits[99]);
    }
}
