//! The top pages item: the most viewed pages in one item, merged by maximum
//! (see the processor's documentation).

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use visitor_model::tables::{paths, totals};

use super::Processor;
use crate::dynamo::{describe_sdk_error as describe, get_u64, n, s, Item};

/// Attempts of the top pages merge (each a read and a conditional write).
const MERGE_ATTEMPTS: u32 = 5;

impl Processor {
    /// Merges pages' new view counts into the top pages item: read, merge
    /// by maximum, write if changed, conditional on the version read; again
    /// on a conflict.
    pub(super) async fn merge_top_pages(&self, viewed: &[(String, u64)]) -> Result<(), String> {
        let mut last = String::new();
        for _ in 0..MERGE_ATTEMPTS {
            let current = self
                .db
                .get_item()
                .table_name(&self.settings.totals_table)
                .key(totals::PK, s(totals::TOP_PAGES))
                .consistent_read(true)
                .send()
                .await
                .map_err(|e| describe(&e))?
                .item;
            let version = current.as_ref().map(|i| get_u64(i, totals::VERSION));
            let pages = current.as_ref().map(top_pages_of).unwrap_or_default();
            let merged = merge_top(&pages, viewed, totals::TOP_KEPT);
            if merged == pages {
                return Ok(());
            }
            let map: HashMap<String, AttributeValue> =
                merged.iter().map(|(p, v)| (p.clone(), n(*v))).collect();
            let mut put = self
                .db
                .put_item()
                .table_name(&self.settings.totals_table)
                .item(totals::PK, s(totals::TOP_PAGES))
                .item(totals::PAGES, AttributeValue::M(map))
                .item(totals::VERSION, n(version.unwrap_or(0) + 1));
            put = match version {
                Some(v) => put
                    .condition_expression("#version = :read")
                    .expression_attribute_names("#version", totals::VERSION)
                    .expression_attribute_values(":read", n(v)),
                None => put
                    .condition_expression("attribute_not_exists(#pk)")
                    .expression_attribute_names("#pk", totals::PK),
            };
            match put.send().await {
                Ok(_) => return Ok(()),
                Err(e) => last = describe(&e),
            }
        }
        Err(last)
    }

    /// A page's view count as a consistent read sees it (for a page whose
    /// addition's new count did not come back).
    pub(super) async fn page_views(&self, path: &str) -> Result<u64, String> {
        let item = self
            .db
            .get_item()
            .table_name(&self.settings.paths_table)
            .key(paths::PK, s(path))
            .projection_expression("#views")
            .expression_attribute_names("#views", paths::VIEWS)
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| describe(&e))?
            .item
            .unwrap_or_default();
        Ok(get_u64(&item, paths::VIEWS))
    }
}

/// The pages and views of a top pages item.
pub fn top_pages_of(item: &Item) -> BTreeMap<String, u64> {
    match item.get(totals::PAGES) {
        Some(AttributeValue::M(map)) => map
            .iter()
            .filter_map(|(p, v)| Some((p.clone(), v.as_n().ok()?.parse().ok()?)))
            .collect(),
        _ => BTreeMap::new(),
    }
}

/// `current` with `viewed` merged in (each page's count the larger of the
/// two), cut to the `keep` most viewed (ties by path).
pub fn merge_top(
    current: &BTreeMap<String, u64>,
    viewed: &[(String, u64)],
    keep: usize,
) -> BTreeMap<String, u64> {
    let mut all = current.clone();
    for (path, views) in viewed {
        let entry = all.entry(path.clone()).or_insert(0);
        *entry = (*entry).max(*views);
    }
    let mut ranked: Vec<(String, u64)> = all.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked.truncate(keep);
    ranked.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_pages_merge_by_maximum_and_keep_the_most_viewed() {
        let current: BTreeMap<String, u64> = [("/".to_owned(), 10), ("/a".to_owned(), 4)]
            .into_iter()
            .collect();
        // A late merge with an older count never lowers one.
        let merged = merge_top(&current, &[("/".into(), 7), ("/b".into(), 5)], 2);
        assert_eq!(
            merged,
            [("/".to_owned(), 10), ("/b".to_owned(), 5)]
                .into_iter()
                .collect()
        );
        // Merging the same thing twice changes nothing.
        assert_eq!(merge_top(&merged, &[("/b".into(), 5)], 2), merged);
    }
}
