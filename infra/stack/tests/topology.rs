//! What the local emulation (`stack-local`) reads from this app's
//! templates: the APIs and their routes, the event sources, and prod's
//! distribution.

use stack_local::topology::{of, ApiInfo, Origin, Source};
use visitor_stack::{build, StackConfig, Stage};

#[test]
fn the_test_stage_topology() {
    let template = build(Stage::Test, &StackConfig::default()).unwrap();
    let t = of(&template);
    assert_eq!(
        t.apis["Api"],
        ApiInfo {
            protocol: "HTTP".into(),
            stage: "$default".into()
        }
    );
    assert_eq!(
        t.apis["Live"],
        ApiInfo {
            protocol: "WEBSOCKET".into(),
            stage: "live".into()
        }
    );
    let routes: Vec<(&str, &str, &str)> = t
        .routes
        .iter()
        .map(|r| (r.api.as_str(), r.route_key.as_str(), r.function.as_str()))
        .collect();
    assert!(routes.contains(&("Api", "GET /api/counts", "CountsApi")));
    for key in ["$connect", "$disconnect", "$default"] {
        assert!(routes.contains(&("Live", key, "Connect")), "{key}");
    }
    assert_eq!(t.event_sources.len(), 2);
    let processor = t
        .event_sources
        .iter()
        .find(|e| e.function == "Processor")
        .unwrap();
    assert_eq!(
        processor.source,
        Source::Queue {
            queue: "Visits".into(),
            batch_size: 10,
            batching_window_s: 1,
            report_batch_item_failures: true
        }
    );
    let broadcaster = t
        .event_sources
        .iter()
        .find(|e| e.function == "Broadcaster")
        .unwrap();
    assert!(
        matches!(&broadcaster.source, Source::Stream { table, latest: true, bisect_on_error: true, batching_window_s: 1, .. } if table == "Totals")
    );
}

#[test]
fn the_prod_distribution() {
    let template = build(Stage::Prod, &StackConfig::default()).unwrap();
    let t = of(&template);
    assert_eq!(t.distributions.len(), 1);
    let d = &t.distributions[0];
    assert_eq!(d.default_root_object.as_deref(), Some("index.html"));
    let api = d.behavior("/api/counts").unwrap();
    assert_eq!(api.origin, Origin::Api("Api".into()));
    assert_eq!(api.viewer_request, None);
    let page = d.behavior("/about").unwrap();
    assert_eq!(page.origin, Origin::Bucket("SiteBucket".into()));
    assert_eq!(page.viewer_request.as_deref(), Some("EdgeRecorder"));
    assert!(t.describe().iter().any(|l| l.contains("/api/* -> API Api")));
}
