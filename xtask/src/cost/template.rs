//! What the rendered template says that a bill multiplies: each function's
//! memory and architecture, how its event source batches, the alarms,
//! dashboards and metric filters, and the edge function.

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use serde_json::Value;

/// A function's billed size.
#[derive(Debug, Clone, PartialEq)]
pub struct Size {
    /// Memory in MB.
    pub memory_mb: f64,
    /// Whether it runs on arm64 (priced lower than x86_64).
    pub arm64: bool,
}

/// How an event source mapping batches.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Batching {
    /// Records per invocation at most.
    pub size: f64,
    /// Seconds Lambda waits to fill a batch.
    pub window_s: f64,
}

/// The template's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    /// Every function by logical ID.
    pub functions: BTreeMap<String, Size>,
    /// The function associated with the distribution (Lambda@Edge).
    pub edge_function: String,
    /// Each mapping's batching, by the logical ID of its function.
    pub batching: BTreeMap<String, Batching>,
    /// Metrics the alarms watch (CloudWatch bills per alarm metric).
    pub alarm_metrics: usize,
    /// Dashboards.
    pub dashboards: usize,
    /// Metric filters (each publishes one custom metric).
    pub metric_filters: usize,
}

fn resources(template: &Value) -> Result<&serde_json::Map<String, Value>> {
    template["Resources"]
        .as_object()
        .context("the template has no Resources")
}

fn referenced(value: &Value) -> Option<&str> {
    value.get("Ref").and_then(Value::as_str)
}

impl Facts {
    /// Reads the figures from a rendered template.
    pub fn read(template: &Value) -> Result<Facts> {
        let resources = resources(template)?;
        let of_type = |ty: &'static str| {
            resources
                .iter()
                .filter(move |(_, r)| r["Type"].as_str() == Some(ty))
        };
        let functions = of_type("AWS::Lambda::Function")
            .map(|(id, r)| {
                let p = &r["Properties"];
                let size = Size {
                    // Lambda's default memory is 128 MB and its default architecture x86_64:
                    // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-function.html
                    memory_mb: p["MemorySize"].as_f64().unwrap_or(128.0),
                    arm64: p["Architectures"]
                        .as_array()
                        .is_some_and(|a| a.iter().any(|v| v == "arm64")),
                };
                (id.clone(), size)
            })
            .collect::<BTreeMap<_, _>>();
        let batching = of_type("AWS::Lambda::EventSourceMapping")
            .filter_map(|(_, r)| {
                let p = &r["Properties"];
                let function = referenced(&p["FunctionName"])?.to_owned();
                // Defaults: 10 records for SQS, 100 for DynamoDB streams, no
                // batching window:
                // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-eventsourcemapping.html
                let stream = p["EventSourceArn"].to_string().contains("StreamArn")
                    || p["EventSourceArn"].to_string().contains(":stream/");
                let batching = Batching {
                    size: p["BatchSize"]
                        .as_f64()
                        .unwrap_or(if stream { 100.0 } else { 10.0 }),
                    window_s: p["MaximumBatchingWindowInSeconds"].as_f64().unwrap_or(0.0),
                };
                Some((function, batching))
            })
            .collect();
        let alarm_metrics = of_type("AWS::CloudWatch::Alarm")
            .map(|(_, r)| match r["Properties"]["Metrics"].as_array() {
                Some(metrics) => metrics
                    .iter()
                    .filter(|m| m.get("MetricStat").is_some())
                    .count()
                    .max(1),
                None => 1,
            })
            .sum();
        let edge_function = edge_function(resources)?;
        Ok(Facts {
            functions,
            edge_function,
            batching,
            alarm_metrics,
            dashboards: of_type("AWS::CloudWatch::Dashboard").count(),
            metric_filters: of_type("AWS::Logs::MetricFilter").count(),
        })
    }

    /// The size of the function `id`.
    pub fn size(&self, id: &str) -> Result<&Size> {
        self.functions
            .get(id)
            .with_context(|| format!("the template has no function {id}"))
    }

    /// How the mapping into function `id` batches.
    pub fn batching(&self, id: &str) -> Result<Batching> {
        self.batching
            .get(id)
            .copied()
            .with_context(|| format!("the template has no event source mapping into {id}"))
    }
}

/// The function whose version a distribution runs at the edge.
fn edge_function(resources: &serde_json::Map<String, Value>) -> Result<String> {
    for resource in resources.values() {
        if resource["Type"] != "AWS::CloudFront::Distribution" {
            continue;
        }
        let config = &resource["Properties"]["DistributionConfig"];
        let behaviors = std::iter::once(&config["DefaultCacheBehavior"])
            .chain(config["CacheBehaviors"].as_array().into_iter().flatten());
        for behavior in behaviors {
            for association in behavior["LambdaFunctionAssociations"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let Some(version) = referenced(&association["LambdaFunctionARN"]) else {
                    continue;
                };
                if let Some(function) = resources
                    .get(version)
                    .and_then(|v| referenced(&v["Properties"]["FunctionName"]))
                {
                    return Ok(function.to_owned());
                }
            }
        }
    }
    bail!("the template's distribution runs no Lambda@Edge function")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prod_template_gives_every_figure() {
        let rendered = visitor_stack::build(
            visitor_stack::Stage::Prod,
            &visitor_stack::StackConfig::default(),
        )
        .unwrap()
        .render()
        .unwrap();
        let facts = Facts::read(rendered.json()).unwrap();
        assert_eq!(facts.edge_function, "EdgeRecorder");
        let processor = visitor_stack::manifest::PROCESSOR.logical_id;
        assert!(facts.size(processor).unwrap().arm64);
        assert!(facts.size(&facts.edge_function).unwrap().memory_mb >= 128.0);
        assert_eq!(facts.batching(processor).unwrap().size, 10.0);
        assert!(facts.alarm_metrics >= 10, "{}", facts.alarm_metrics);
        assert_eq!((facts.dashboards, facts.metric_filters), (1, 1));
    }
}
