//! A resource's `CreationPolicy` and `UpdatePolicy`, typed, and the rules
//! CloudFormation documents for them, checked by `validate` on any policy
//! (typed or given as JSON): which types take which policy, the ranges of
//! its numbers and the form of its durations.
//!
//! - <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-creationpolicy.html>
//! - <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-updatepolicy.html>

use crate::json::{Json, JsonMap, ToJson};
use crate::value::Value;

/// Builds one policy object key by key.
fn set(mut map: JsonMap, key: &str, value: Json) -> JsonMap {
    map.insert(key.to_owned(), value);
    map
}

/// `CreationPolicy`: CloudFormation waits for signals (or a fleet to start)
/// before it calls the resource created.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CreationPolicy(JsonMap);

impl CreationPolicy {
    /// A policy with nothing set.
    pub fn new() -> Self {
        Self::default()
    }

    /// `ResourceSignal`: how many success signals to wait for, and how long
    /// (`AWS::AutoScaling::AutoScalingGroup`, `AWS::EC2::Instance`,
    /// `AWS::CloudFormation::WaitCondition`).
    pub fn resource_signal(self, signal: ResourceSignal) -> Self {
        CreationPolicy(set(self.0, "ResourceSignal", Json::Object(signal.0)))
    }

    /// `AutoScalingCreationPolicy.MinSuccessfulInstancesPercent`: the share
    /// of an Auto Scaling group's instances that must signal success (0 to 100).
    pub fn min_successful_instances_percent(self, percent: impl Into<Value<i64>>) -> Self {
        let inner = set(
            JsonMap::new(),
            "MinSuccessfulInstancesPercent",
            percent.into().to_json(),
        );
        CreationPolicy(set(
            self.0,
            "AutoScalingCreationPolicy",
            Json::Object(inner),
        ))
    }

    /// `StartFleet`: start an `AWS::AppStream::Fleet` before completing.
    pub fn start_fleet(self, start: impl Into<Value<bool>>) -> Self {
        CreationPolicy(set(self.0, "StartFleet", start.into().to_json()))
    }
}

impl From<CreationPolicy> for Json {
    fn from(policy: CreationPolicy) -> Json {
        Json::Object(policy.0)
    }
}

/// `CreationPolicy.ResourceSignal`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResourceSignal(JsonMap);

impl ResourceSignal {
    /// CloudFormation's defaults: one signal within five minutes.
    pub fn new() -> Self {
        Self::default()
    }

    /// `Count`: the success signals to wait for (at least 1).
    pub fn count(self, count: impl Into<Value<i64>>) -> Self {
        ResourceSignal(set(self.0, "Count", count.into().to_json()))
    }

    /// `Timeout`: an ISO 8601 duration, `PT#H#M#S`, at most `PT12H`.
    pub fn timeout(self, duration: impl Into<Value<String>>) -> Self {
        ResourceSignal(set(self.0, "Timeout", duration.into().to_json()))
    }
}

/// `UpdatePolicy`: how CloudFormation updates the resource.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UpdatePolicy(JsonMap);

impl UpdatePolicy {
    /// A policy with nothing set.
    pub fn new() -> Self {
        Self::default()
    }

    /// `AutoScalingReplacingUpdate.WillReplace`: replace the whole Auto
    /// Scaling group, keeping the old one until the new one is ready.
    pub fn auto_scaling_replacing_update(self, will_replace: impl Into<Value<bool>>) -> Self {
        let inner = set(JsonMap::new(), "WillReplace", will_replace.into().to_json());
        UpdatePolicy(set(
            self.0,
            "AutoScalingReplacingUpdate",
            Json::Object(inner),
        ))
    }

    /// `AutoScalingRollingUpdate`: replace an Auto Scaling group's instances in batches.
    pub fn auto_scaling_rolling_update(self, update: RollingUpdate) -> Self {
        UpdatePolicy(set(
            self.0,
            "AutoScalingRollingUpdate",
            Json::Object(update.0),
        ))
    }

    /// `AutoScalingScheduledAction.IgnoreUnmodifiedGroupSizeProperties`:
    /// keep the group sizes scheduled actions set when the template's are unchanged.
    pub fn auto_scaling_scheduled_action(self, ignore_unmodified: impl Into<Value<bool>>) -> Self {
        let inner = set(
            JsonMap::new(),
            "IgnoreUnmodifiedGroupSizeProperties",
            ignore_unmodified.into().to_json(),
        );
        UpdatePolicy(set(
            self.0,
            "AutoScalingScheduledAction",
            Json::Object(inner),
        ))
    }

    /// `CodeDeployLambdaAliasUpdate`: shift an `AWS::Lambda::Alias` to a new
    /// version through a CodeDeploy deployment.
    pub fn code_deploy_lambda_alias_update(self, update: CodeDeployLambdaAliasUpdate) -> Self {
        UpdatePolicy(set(
            self.0,
            "CodeDeployLambdaAliasUpdate",
            Json::Object(update.0),
        ))
    }

    /// `EnableVersionUpgrade`: upgrade an OpenSearch (or Elasticsearch)
    /// domain's engine in place rather than replace the domain.
    pub fn enable_version_upgrade(self, enable: impl Into<Value<bool>>) -> Self {
        UpdatePolicy(set(self.0, "EnableVersionUpgrade", enable.into().to_json()))
    }

    /// `UseOnlineResharding`: change an ElastiCache replication group's
    /// shards without replacing it.
    pub fn use_online_resharding(self, enable: impl Into<Value<bool>>) -> Self {
        UpdatePolicy(set(self.0, "UseOnlineResharding", enable.into().to_json()))
    }
}

impl From<UpdatePolicy> for Json {
    fn from(policy: UpdatePolicy) -> Json {
        Json::Object(policy.0)
    }
}

/// `UpdatePolicy.AutoScalingRollingUpdate`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RollingUpdate(JsonMap);

impl RollingUpdate {
    /// CloudFormation's defaults: one instance at a time, no pause.
    pub fn new() -> Self {
        Self::default()
    }

    /// `MaxBatchSize`: instances replaced at once (at least 1).
    pub fn max_batch_size(self, n: impl Into<Value<i64>>) -> Self {
        RollingUpdate(set(self.0, "MaxBatchSize", n.into().to_json()))
    }

    /// `MinActiveInstancesPercent` (0 to 100).
    pub fn min_active_instances_percent(self, percent: impl Into<Value<i64>>) -> Self {
        RollingUpdate(set(
            self.0,
            "MinActiveInstancesPercent",
            percent.into().to_json(),
        ))
    }

    /// `MinInstancesInService`: instances kept in service (0 or more).
    pub fn min_instances_in_service(self, n: impl Into<Value<i64>>) -> Self {
        RollingUpdate(set(self.0, "MinInstancesInService", n.into().to_json()))
    }

    /// `MinSuccessfulInstancesPercent` (0 to 100).
    pub fn min_successful_instances_percent(self, percent: impl Into<Value<i64>>) -> Self {
        RollingUpdate(set(
            self.0,
            "MinSuccessfulInstancesPercent",
            percent.into().to_json(),
        ))
    }

    /// `PauseTime`: an ISO 8601 duration, `PT#H#M#S`, at most `PT1H`.
    pub fn pause_time(self, duration: impl Into<Value<String>>) -> Self {
        RollingUpdate(set(self.0, "PauseTime", duration.into().to_json()))
    }

    /// `SuspendProcesses`: the Auto Scaling processes to suspend meanwhile
    /// (`HealthCheck`, `ReplaceUnhealthy`, `AZRebalance`, ...).
    pub fn suspend_processes<S: Into<String>>(
        self,
        processes: impl IntoIterator<Item = S>,
    ) -> Self {
        let list: Vec<Json> = processes
            .into_iter()
            .map(|p| Json::String(p.into()))
            .collect();
        RollingUpdate(set(self.0, "SuspendProcesses", Json::Array(list)))
    }

    /// `WaitOnResourceSignals`: wait for each new instance's success signal.
    pub fn wait_on_resource_signals(self, wait: impl Into<Value<bool>>) -> Self {
        RollingUpdate(set(self.0, "WaitOnResourceSignals", wait.into().to_json()))
    }
}

/// `UpdatePolicy.CodeDeployLambdaAliasUpdate`.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeDeployLambdaAliasUpdate(JsonMap);

impl CodeDeployLambdaAliasUpdate {
    /// From its required properties: the CodeDeploy application and
    /// deployment group.
    pub fn new(
        application_name: impl Into<Value<String>>,
        deployment_group_name: impl Into<Value<String>>,
    ) -> Self {
        let map = set(
            JsonMap::new(),
            "ApplicationName",
            application_name.into().to_json(),
        );
        CodeDeployLambdaAliasUpdate(set(
            map,
            "DeploymentGroupName",
            deployment_group_name.into().to_json(),
        ))
    }

    /// `BeforeAllowTrafficHook`: a function CodeDeploy runs before traffic shifts.
    pub fn before_allow_traffic_hook(self, function: impl Into<Value<String>>) -> Self {
        CodeDeployLambdaAliasUpdate(set(
            self.0,
            "BeforeAllowTrafficHook",
            function.into().to_json(),
        ))
    }

    /// `AfterAllowTrafficHook`: a function CodeDeploy runs after traffic shifts.
    pub fn after_allow_traffic_hook(self, function: impl Into<Value<String>>) -> Self {
        CodeDeployLambdaAliasUpdate(set(
            self.0,
            "AfterAllowTrafficHook",
            function.into().to_json(),
        ))
    }
}

/// The types that take a creation policy, and which keys each takes.
const CREATION: &[(&str, &[&str])] = &[
    ("AWS::AppStream::Fleet", &["StartFleet"]),
    (
        "AWS::AutoScaling::AutoScalingGroup",
        &["AutoScalingCreationPolicy", "ResourceSignal"],
    ),
    ("AWS::CloudFormation::WaitCondition", &["ResourceSignal"]),
    ("AWS::EC2::Instance", &["ResourceSignal"]),
];

/// The update policy keys and the types that take each.
const UPDATE: &[(&str, &[&str])] = &[
    (
        "AutoScalingReplacingUpdate",
        &["AWS::AutoScaling::AutoScalingGroup"],
    ),
    (
        "AutoScalingRollingUpdate",
        &["AWS::AutoScaling::AutoScalingGroup"],
    ),
    (
        "AutoScalingScheduledAction",
        &["AWS::AutoScaling::AutoScalingGroup"],
    ),
    ("CodeDeployLambdaAliasUpdate", &["AWS::Lambda::Alias"]),
    (
        "EnableVersionUpgrade",
        &[
            "AWS::OpenSearchService::Domain",
            "AWS::Elasticsearch::Domain",
        ],
    ),
    (
        "UseOnlineResharding",
        &["AWS::ElastiCache::ReplicationGroup"],
    ),
];

/// Each policy's fields: (policy key, field, rule).
const FIELDS: &[(&str, &str, Rule)] = &[
    (
        "AutoScalingCreationPolicy",
        "MinSuccessfulInstancesPercent",
        Rule::Range(0, 100),
    ),
    ("ResourceSignal", "Count", Rule::Range(1, i64::MAX)),
    ("ResourceSignal", "Timeout", Rule::Duration(12 * 3600)),
    ("AutoScalingReplacingUpdate", "WillReplace", Rule::Boolean),
    (
        "AutoScalingRollingUpdate",
        "MaxBatchSize",
        Rule::Range(1, i64::MAX),
    ),
    (
        "AutoScalingRollingUpdate",
        "MinActiveInstancesPercent",
        Rule::Range(0, 100),
    ),
    (
        "AutoScalingRollingUpdate",
        "MinInstancesInService",
        Rule::Range(0, i64::MAX),
    ),
    (
        "AutoScalingRollingUpdate",
        "MinSuccessfulInstancesPercent",
        Rule::Range(0, 100),
    ),
    (
        "AutoScalingRollingUpdate",
        "PauseTime",
        Rule::Duration(3600),
    ),
    (
        "AutoScalingRollingUpdate",
        "SuspendProcesses",
        Rule::Processes,
    ),
    (
        "AutoScalingRollingUpdate",
        "WaitOnResourceSignals",
        Rule::Boolean,
    ),
    (
        "AutoScalingScheduledAction",
        "IgnoreUnmodifiedGroupSizeProperties",
        Rule::Boolean,
    ),
    (
        "CodeDeployLambdaAliasUpdate",
        "ApplicationName",
        Rule::Required,
    ),
    (
        "CodeDeployLambdaAliasUpdate",
        "DeploymentGroupName",
        Rule::Required,
    ),
    (
        "CodeDeployLambdaAliasUpdate",
        "BeforeAllowTrafficHook",
        Rule::Any,
    ),
    (
        "CodeDeployLambdaAliasUpdate",
        "AfterAllowTrafficHook",
        Rule::Any,
    ),
];

/// The Auto Scaling processes a rolling update may suspend
/// (<https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-suspend-resume-processes.html>).
const PROCESSES: &[&str] = &[
    "Launch",
    "Terminate",
    "AddToLoadBalancer",
    "AlarmNotification",
    "AZRebalance",
    "HealthCheck",
    "InstanceRefresh",
    "RemoveFromLoadBalancerLowPriority",
    "ReplaceUnhealthy",
    "ScheduledActions",
];

#[derive(Debug, Clone, Copy)]
enum Rule {
    Range(i64, i64),
    /// An ISO 8601 duration of at most this many seconds.
    Duration(u64),
    Boolean,
    Processes,
    Required,
    Any,
}

/// Seconds of an ISO 8601 duration as CloudFormation writes them: `PT`
/// then hours, minutes and seconds, each optional, in that order.
fn duration_seconds(text: &str) -> Option<u64> {
    let mut rest = text.strip_prefix("PT")?;
    if rest.is_empty() {
        return None;
    }
    let mut total = 0u64;
    for (unit, scale) in [('H', 3600), ('M', 60), ('S', 1)] {
        if let Some(end) = rest.find(unit) {
            let n: u64 = rest[..end].parse().ok()?;
            total = total.checked_add(n.checked_mul(scale)?)?;
            rest = &rest[end + 1..];
        }
    }
    rest.is_empty().then_some(total)
}

/// The problems of a resource's policies: (path, problem), the path from
/// the resource (`UpdatePolicy.AutoScalingRollingUpdate.PauseTime`).
pub(crate) fn check(
    type_name: &str,
    creation: Option<&Json>,
    update: Option<&Json>,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    // A whole policy chosen by `Fn::If` (documented for UpdatePolicy) is
    // not checked here: its branches are only known at deploy time.
    let creation = creation.filter(|p| !crate::check::is_intrinsic(p));
    let update = update.filter(|p| !crate::check::is_intrinsic(p));
    if let Some(policy) = creation {
        let allowed = CREATION
            .iter()
            .find(|(t, _)| *t == type_name)
            .map(|(_, keys)| *keys);
        match (policy.as_object(), allowed) {
            (_, None) => {
                out.push((
                    "CreationPolicy".to_owned(),
                    format!(
                    "{type_name} takes no creation policy; CloudFormation applies one only to {}",
                    CREATION.iter().map(|(t, _)| *t).collect::<Vec<_>>().join(", ")
                ),
                ))
            }
            (None, _) => out.push(("CreationPolicy".to_owned(), "must be an object".to_owned())),
            (Some(map), Some(keys)) => {
                for (key, value) in map {
                    let path = format!("CreationPolicy.{key}");
                    if !keys.contains(&key.as_str()) {
                        out.push((
                            path,
                            format!("{type_name} takes {} here", keys.join(" or ")),
                        ));
                    } else if key == "StartFleet" {
                        check_rule(&path, value, Rule::Boolean, &mut out);
                    } else {
                        check_fields(&path, key, value, &mut out);
                    }
                }
            }
        }
    }
    if let Some(policy) = update {
        let Some(map) = policy.as_object() else {
            out.push(("UpdatePolicy".to_owned(), "must be an object".to_owned()));
            return out;
        };
        for (key, value) in map {
            let path = format!("UpdatePolicy.{key}");
            match UPDATE.iter().find(|(k, _)| k == key) {
                None => out.push((
                    path,
                    format!(
                        "is not an update policy; CloudFormation has {}",
                        UPDATE
                            .iter()
                            .map(|(k, _)| *k)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )),
                Some((_, types)) if !types.contains(&type_name) => out.push((
                    path,
                    format!("applies to {}, not {type_name}", types.join(" and ")),
                )),
                Some(_)
                    if matches!(key.as_str(), "EnableVersionUpgrade" | "UseOnlineResharding") =>
                {
                    check_rule(&path, value, Rule::Boolean, &mut out);
                }
                Some(_) => check_fields(&path, key, value, &mut out),
            }
        }
    }
    out
}

fn check_fields(path: &str, key: &str, value: &Json, out: &mut Vec<(String, String)>) {
    if crate::check::is_intrinsic(value) {
        return;
    }
    let Some(map) = value.as_object() else {
        out.push((path.to_owned(), "must be an object".to_owned()));
        return;
    };
    let fields: Vec<(&str, Rule)> = FIELDS
        .iter()
        .filter(|(k, _, _)| *k == key)
        .map(|(_, f, r)| (*f, *r))
        .collect();
    for (field, value) in map {
        let here = format!("{path}.{field}");
        match fields.iter().find(|(f, _)| f == field) {
            None => out.push((
                here,
                format!(
                    "is not a field of {key}; it has {}",
                    fields
                        .iter()
                        .map(|(f, _)| *f)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
            Some((_, rule)) => check_rule(&here, value, *rule, out),
        }
    }
    for (field, rule) in &fields {
        if matches!(rule, Rule::Required) && !map.contains_key(*field) {
            out.push((format!("{path}.{field}"), "is required".to_owned()));
        }
    }
}

fn check_rule(path: &str, value: &Json, rule: Rule, out: &mut Vec<(String, String)>) {
    if crate::check::is_intrinsic(value) {
        return;
    }
    let problem = match rule {
        Rule::Range(min, max) => {
            // CloudFormation takes numbers written as strings too.
            let n = value
                .as_i64()
                .or_else(|| value.as_str().and_then(|s| s.parse().ok()));
            match n {
                Some(n) if n >= min && n <= max => None,
                Some(n) if max == i64::MAX => Some(format!("{n} is below the minimum {min}")),
                Some(n) => Some(format!("{n} is outside {min} to {max}")),
                None => Some(format!("{value} is not a whole number")),
            }
        }
        Rule::Duration(max) => match value.as_str().map(|s| (s, duration_seconds(s))) {
            Some((_, Some(s))) if s <= max => None,
            Some((text, Some(s))) => Some(format!("{text} is {s} s; the longest is {max} s")),
            _ => Some(format!(
                "{value} is not an ISO 8601 duration such as PT5M (PT#H#M#S)"
            )),
        },
        Rule::Boolean => match value {
            Json::Bool(_) => None,
            Json::String(s) if s == "true" || s == "false" => None,
            other => Some(format!("{other} is not true or false")),
        },
        Rule::Processes => match value.as_array() {
            Some(list) => list
                .iter()
                .filter(|p| !crate::check::is_intrinsic(p))
                .find(|p| !p.as_str().is_some_and(|s| PROCESSES.contains(&s)))
                .map(|p| {
                    format!(
                        "{p} is not an Auto Scaling process ({})",
                        PROCESSES.join(", ")
                    )
                }),
            None => Some("must be a list of Auto Scaling processes".to_owned()),
        },
        Rule::Required | Rule::Any => None,
    };
    if let Some(problem) = problem {
        out.push((path.to_owned(), problem));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn durations_are_iso_8601() {
        assert_eq!(duration_seconds("PT5M"), Some(300));
        assert_eq!(duration_seconds("PT1H30M10S"), Some(5410));
        assert_eq!(duration_seconds("PT12H"), Some(43200));
        assert_eq!(duration_seconds("PT"), None);
        assert_eq!(duration_seconds("5M"), None);
        assert_eq!(duration_seconds("PT5X"), None);
        assert_eq!(duration_seconds("PT5S5M"), None);
    }

    #[test]
    fn typed_policies_render_as_documented() {
        let creation = CreationPolicy::new()
            .resource_signal(ResourceSignal::new().count(2).timeout("PT15M"))
            .min_successful_instances_percent(80);
        assert_eq!(
            Json::from(creation),
            json!({"ResourceSignal": {"Count": 2, "Timeout": "PT15M"}, "AutoScalingCreationPolicy": {"MinSuccessfulInstancesPercent": 80}})
        );
        let update = UpdatePolicy::new().auto_scaling_rolling_update(
            RollingUpdate::new()
                .max_batch_size(2)
                .pause_time("PT5M")
                .suspend_processes(["HealthCheck", "AZRebalance"])
                .wait_on_resource_signals(true),
        );
        assert_eq!(
            Json::from(update),
            json!({"AutoScalingRollingUpdate": {"MaxBatchSize": 2, "PauseTime": "PT5M", "SuspendProcesses": ["HealthCheck", "AZRebalance"], "WaitOnResourceSignals": true}})
        );
    }

    #[test]
    fn each_documented_rule_is_an_error_with_its_path() {
        let asg = "AWS::AutoScaling::AutoScalingGroup";
        let found = check(
            asg,
            Some(&json!({"ResourceSignal": {"Count": 0, "Timeout": "PT13H"}, "StartFleet": true})),
            Some(&json!({
                "AutoScalingRollingUpdate": {"PauseTime": "5 minutes", "MinSuccessfulInstancesPercent": 150, "SuspendProcesses": ["Sleep"], "Batch": 1},
                "CodeDeployLambdaAliasUpdate": {"ApplicationName": "app", "DeploymentGroupName": "g"},
                "Rolling": {}
            })),
        );
        let paths: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                "CreationPolicy.ResourceSignal.Count",
                "CreationPolicy.ResourceSignal.Timeout",
                "CreationPolicy.StartFleet",
                "UpdatePolicy.AutoScalingRollingUpdate.Batch",
                "UpdatePolicy.AutoScalingRollingUpdate.MinSuccessfulInstancesPercent",
                "UpdatePolicy.AutoScalingRollingUpdate.PauseTime",
                "UpdatePolicy.AutoScalingRollingUpdate.SuspendProcesses",
                "UpdatePolicy.CodeDeployLambdaAliasUpdate",
                "UpdatePolicy.Rolling",
            ],
            "{found:#?}"
        );
        let queue = check(
            "AWS::SQS::Queue",
            Some(&json!({"ResourceSignal": {}})),
            None,
        );
        assert!(queue[0].1.contains("takes no creation policy"), "{queue:?}");
        let alias = check(
            "AWS::Lambda::Alias",
            None,
            Some(&json!({"CodeDeployLambdaAliasUpdate": {"ApplicationName": {"Ref": "App"}}})),
        );
        assert_eq!(
            alias,
            [(
                "UpdatePolicy.CodeDeployLambdaAliasUpdate.DeploymentGroupName".to_owned(),
                "is required".to_owned()
            )]
        );
        assert!(check(
            asg,
            Some(&json!({"ResourceSignal": {"Timeout": {"Ref": "T"}}})),
            None
        )
        .is_empty());
    }

    #[test]
    fn a_policy_chosen_by_fn_if_is_taken() {
        let chosen = json!({"Fn::If": ["IsProd", {"AutoScalingRollingUpdate": {"PauseTime": "PT5M"}}, {"Ref": "AWS::NoValue"}]});
        assert!(check(
            "AWS::AutoScaling::AutoScalingGroup",
            Some(&chosen),
            Some(&chosen)
        )
        .is_empty());
    }
}
