//! Catalog: listing, search, saved list (CAT-1..4).

mod support;

use appmarket::testing::fixtures;
use appmarket::*;
use support::{World, field, usd};

#[test]
fn cat_1_a_seller_lists_a_product_and_only_a_seller_may() {
    let w = World::new();
    let p = w.saas();
    assert!(p.listed);
    assert_eq!(p.seller, SellerId::parse("isv-1").unwrap());
    let alice = w.customer("alice");
    assert!(matches!(w.refused(|| w.market.list_product(&alice, fixtures::saas_draft())), Error::Forbidden { .. }));
}

#[test]
fn cat_2_zero_or_negative_prices_are_refused_at_listing() {
    let w = World::new();
    for price in ["0", "-5"] {
        let mut draft = fixtures::saas_draft();
        draft.specifications[0].plans[0].price = usd(price);
        assert_eq!(field(&w.refused(|| w.market.list_product(&w.seller, draft))), "price");
    }
}

#[test]
fn cat_3_text_search_is_case_insensitive_and_needs_every_word() {
    let w = World::new();
    w.saas();
    w.list(fixtures::license_draft());
    w.list(fixtures::image_draft());
    let find = |text: &str| w.market.search(&SearchQuery { text: text.into(), ..SearchQuery::default() }).unwrap();
    assert_eq!(find("EMAIL").items[0].name, "Coremail Pro Email Hosting");
    assert_eq!(find("email lamp").total, 0);
    assert_eq!(find("php").items[0].name, "LAMP Stack Image"); // a tag
    assert_eq!(find("").total, 3);
}

#[test]
fn cat_3_filters_narrow_the_results() {
    let w = World::new();
    w.saas();
    w.list(fixtures::license_draft());
    w.list(fixtures::image_draft());
    let q = SearchQuery { delivery: Some(DeliveryMethod::Image), ..SearchQuery::default() };
    assert_eq!(w.market.search(&q).unwrap().total, 1);
    let q = SearchQuery { billing_mode: Some(BillingMode::PayPerUse), ..SearchQuery::default() };
    assert_eq!(w.market.search(&q).unwrap().items[0].name, "LAMP Stack Image");
    let q = SearchQuery { category: Some("security".into()), ..SearchQuery::default() };
    assert_eq!(w.market.search(&q).unwrap().total, 1);
    // A price range compares the lowest price ("from …"), of the billing mode when one is asked.
    let q = SearchQuery { min_price: Some(usd("50")), max_price: Some(usd("150")), ..SearchQuery::default() };
    let names: Vec<String> = w.market.search(&q).unwrap().items.into_iter().map(|p| p.name).collect();
    assert_eq!(names, ["Antivirus Server License"]);
    let q = SearchQuery {
        billing_mode: Some(BillingMode::Yearly),
        min_price: Some(usd("50")),
        max_price: Some(usd("150")),
        ..SearchQuery::default()
    };
    let names: Vec<String> = w.market.search(&q).unwrap().items.into_iter().map(|p| p.name).collect();
    assert_eq!(names, ["LAMP Stack Image"]);
    let q = SearchQuery { seller: Some(SellerId::parse("nobody").unwrap()), ..SearchQuery::default() };
    assert_eq!(w.market.search(&q).unwrap().total, 0);
}

#[test]
fn cat_3_sorts_by_price_and_newest() {
    let w = World::new();
    w.saas(); // lowest 23
    w.advance(chrono::Duration::seconds(1));
    w.list(fixtures::license_draft()); // lowest 100
    w.advance(chrono::Duration::seconds(1));
    w.list(fixtures::image_draft()); // lowest 0.02
    let names = |sort| {
        w.market
            .search(&SearchQuery { sort, ..SearchQuery::default() })
            .unwrap()
            .items
            .into_iter()
            .map(|p| p.name)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(SortOrder::PriceAscending),
        ["LAMP Stack Image", "Coremail Pro Email Hosting", "Antivirus Server License"]
    );
    assert_eq!(
        names(SortOrder::PriceDescending),
        ["Antivirus Server License", "Coremail Pro Email Hosting", "LAMP Stack Image"]
    );
    assert_eq!(
        names(SortOrder::Newest),
        ["LAMP Stack Image", "Antivirus Server License", "Coremail Pro Email Hosting"]
    );
}

#[test]
fn cat_3_pages_hold_1_to_100_items() {
    let w = World::new();
    for _ in 0..5 {
        w.saas();
    }
    let page =
        |page, page_size| w.market.search(&SearchQuery { page, page_size: Some(page_size), ..SearchQuery::default() });
    let second = page(2, 2).unwrap();
    assert_eq!((second.items.len(), second.total, second.page), (2, 5, 2));
    assert_eq!(page(3, 2).unwrap().items.len(), 1);
    assert_eq!(field(&page(1, 0).unwrap_err()), "page_size");
    assert_eq!(field(&page(1, 101).unwrap_err()), "page_size");
    assert_eq!(field(&page(0, 10).unwrap_err()), "page");
}

#[test]
fn cat_3_a_search_or_listing_without_a_page_size_takes_the_policys_default() {
    let policy = Policy { default_page_size: 3, ..Policy::default() };
    let w = World::with_policy(policy);
    for _ in 0..5 {
        w.saas();
    }
    let found = w.market.search(&SearchQuery::default()).unwrap();
    assert_eq!((found.items.len(), found.page_size, found.total), (3, 3, 5));
    let asked = w.market.search(&SearchQuery { page_size: Some(4), ..SearchQuery::default() }).unwrap();
    assert_eq!((asked.items.len(), asked.page_size), (4, 4));
    let alice = w.customer("alice");
    let orders = w.market.orders(&alice, &OrderFilter::default(), 1, None).unwrap();
    assert_eq!(orders.page_size, 3);
    assert_eq!(Policy::default().default_page_size, 20);
    for bad in [r#"{"default_page_size": 0}"#, r#"{"default_page_size": 101}"#] {
        assert!(
            matches!(Policy::from_json(bad), Err(Error::InvalidInput { ref field, .. }) if field == "default_page_size")
        );
    }
}

#[test]
fn cat_3_price_bounds_must_be_sane() {
    let w = World::new();
    let q = SearchQuery { min_price: Some(usd("-1")), ..SearchQuery::default() };
    assert_eq!(field(&w.market.search(&q).unwrap_err()), "min_price");
    let q = SearchQuery { min_price: Some(usd("10")), max_price: Some(usd("5")), ..SearchQuery::default() };
    assert_eq!(field(&w.market.search(&q).unwrap_err()), "min_price");
    let q = SearchQuery {
        min_price: Some(usd("1")),
        max_price: Some(Money::parse("5 EUR").unwrap()),
        ..SearchQuery::default()
    };
    assert_eq!(field(&w.market.search(&q).unwrap_err()), "max_price");
}

#[test]
fn cat_3_a_delisted_product_is_not_found_nor_ordered_but_bought_apps_keep_working() {
    let w = World::new();
    let alice = w.customer("alice");
    let p = w.saas();
    let order = w.buy(&alice, World::request(&p, "Standard", BillingMode::Monthly, 10, 1));
    w.market.delist_product(&w.seller, &p.id).unwrap();
    assert_eq!(w.market.search(&SearchQuery::default()).unwrap().total, 0);
    let err = w.refused(|| w.market.place_order(&alice, World::request(&p, "Standard", BillingMode::Monthly, 10, 1)));
    assert_eq!(err.rule(), Some("CAT-3"));
    let app = w.market.app(&alice, order.app.as_ref().unwrap()).unwrap();
    assert_eq!(app.status, AppStatus::Active);
    w.market.relist_product(&w.seller, &p.id).unwrap();
    assert_eq!(w.market.search(&SearchQuery::default()).unwrap().total, 1);
}

#[test]
fn cat_3_only_the_products_seller_may_delist_it() {
    let w = World::new();
    let p = w.saas();
    let other = Actor::seller("isv-2").unwrap();
    assert!(matches!(w.refused(|| w.market.delist_product(&other, &p.id)), Error::Forbidden { .. }));
    w.market.delist_product(&w.seller, &p.id).unwrap();
    assert_eq!(w.refused(|| w.market.delist_product(&w.seller, &p.id)).rule(), Some("CAT-3"));
}

#[test]
fn cat_4_saving_twice_keeps_one_entry() {
    let w = World::new();
    let alice = w.customer("alice");
    let p = w.saas();
    w.market.save_to_list(&alice, &p.id, Some("Standard")).unwrap();
    let list = w.market.save_to_list(&alice, &p.id, Some("Standard")).unwrap();
    assert_eq!(list.items.len(), 1);
    assert_eq!(w.market.saved_list(&alice).unwrap().items.len(), 1);
}

#[test]
fn cat_4_buying_from_the_list_starts_an_order_with_the_saved_specification() {
    let w = World::new();
    let alice = w.customer("alice");
    let p = w.saas();
    w.market.save_to_list(&alice, &p.id, Some("Premium")).unwrap();
    let order = w.market.buy_from_list(&alice, World::request(&p, "", BillingMode::Monthly, 10, 1)).unwrap();
    assert_eq!((order.specification.as_str(), order.status), ("Premium", OrderStatus::PendingPayment));
    assert_eq!(order.quote.total, usd("400.00"));
}

#[test]
fn cat_4_buying_a_product_that_is_not_in_the_list_is_refused() {
    let w = World::new();
    let alice = w.customer("alice");
    let p = w.saas();
    let err = w.refused(|| w.market.buy_from_list(&alice, World::request(&p, "Standard", BillingMode::Monthly, 10, 1)));
    assert_eq!(err.rule(), Some("CAT-4"));
}

#[test]
fn cat_4_removing_an_item_and_refusals() {
    let w = World::new();
    let alice = w.customer("alice");
    let p = w.saas();
    w.market.save_to_list(&alice, &p.id, None).unwrap();
    assert!(w.market.remove_from_list(&alice, &p.id).unwrap().items.is_empty());
    assert!(matches!(w.refused(|| w.market.remove_from_list(&alice, &p.id)), Error::NotFound { .. }));
    assert_eq!(field(&w.refused(|| w.market.save_to_list(&alice, &p.id, Some("Gold")))), "specification");
    assert!(matches!(w.refused(|| w.market.save_to_list(&w.seller, &p.id, None)), Error::Forbidden { .. }));
}

mod indexed_search {
    use appmarket::catalog::{PreparedQuery, SearchText};
    use appmarket::testing::fixtures;
    use appmarket::*;
    use proptest::prelude::*;

    const SYLLABLES: [&str; 8] = ["sec", "ure", "host", "ing", "ba", "ckup", "é", "mail"];

    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::collection::vec(prop::sample::select(SYLLABLES.to_vec()), 1..4), 1..5)
            .prop_map(|words| words.iter().map(|w| w.concat()).collect::<Vec<_>>().join(" "))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// CAT-3: the store's indexed text search returns exactly what scoring every listed
        /// product returns, whatever the words (shorter than the index's trigrams too).
        #[test]
        fn cat_3_indexed_search_finds_what_a_full_scan_finds(
            names in prop::collection::vec((text(), text()), 1..80),
            query in text(),
            delist in 0..80usize,
        ) {
            let market = Marketplace::builder().clock(ManualClock::new(fixtures::t0())).build().unwrap();
            let seller = Actor::seller("isv-1").unwrap();
            let mut products = Vec::new();
            for (name, description) in &names {
                let mut draft = fixtures::saas_draft();
                draft.name = name.to_uppercase();
                draft.description = description.clone();
                products.push(market.list_product(&seller, draft).unwrap());
            }
            if let Some(p) = products.get(delist) {
                products[delist] = market.delist_product(&seller, &p.id).unwrap();
            }
            let q = SearchQuery { text: query, page_size: Some(100), ..SearchQuery::default() };
            let policy = Policy::default();
            let prepared: PreparedQuery<'_> = q.prepare(&policy).unwrap();
            let texts: Vec<SearchText> = products.iter().map(SearchText::of).collect();
            let scanned = prepared.search(texts.iter().zip(&products));
            prop_assert_eq!(market.search(&q).unwrap(), scanned);
        }
    }
}
