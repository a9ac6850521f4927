use infra::aws::dynamodb;

fn main() {
    // `KeySchema` is required: a table without it does not compile.
    let _table = dynamodb::Table::new();
}
