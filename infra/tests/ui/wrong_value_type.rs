use infra::aws::sqs;
use infra::fns;

fn main() {
    // A number field takes numbers and number-typed intrinsics, not text.
    let _ = sqs::Queue::new().visibility_timeout("sixty");
    // A string field does not take a list.
    let _ = sqs::Queue::new().queue_name(fns::split(",", "a,b"));
}
