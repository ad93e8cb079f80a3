//! Listing 100 pages reuses one TCP connection (the server counts them).

#[path = "../../benches/support/mod.rs"]
mod support;

use honeycomb_api_keys::Client;

#[tokio::test]
async fn listing_100_pages_opens_one_connection() {
    let server = support::start(10_000).await;
    let client = Client::builder()
        .management_key(support::KEY_ID, support::KEY_SECRET)
        .endpoint(server.uri())
        .team(support::TEAM)
        .build()
        .unwrap();
    let mut pages = 0;
    let mut stream = client.api_keys().list().pages();
    while let Some(page) = stream.try_next().await.unwrap() {
        assert_eq!(page.items.len(), 100);
        pages += 1;
    }
    assert_eq!(pages, 100);
    assert_eq!(server.connections(), 1);
    // Clones share the pool too.
    client.clone().api_keys().get("hcxik_00000000000000000000000007").await.unwrap();
    assert_eq!(server.connections(), 1);
}
