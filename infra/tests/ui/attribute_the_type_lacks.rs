use infra::aws::sqs;
use infra::Template;

fn main() {
    let mut t = Template::new();
    let queue = t.add("Jobs", sqs::Queue::new());
    // Queues have no stream: `StreamArn` is a DynamoDB table's attribute.
    let _ = queue.stream_arn();
}
