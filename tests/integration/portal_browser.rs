//! The admin portal in a real headless browser (tests/browser/portal.mjs: Debian's
//! chromium driven by playwright-core, axe-core on every screen) against this stack and
//! its dev IdP. It walks the product guide, takes the README's screenshots (into
//! target/portal-screenshots/, or `PORTAL_SCREENSHOTS`), and reports each screen's time to
//! first render.

use std::process::Command;

use crate::admin_portal::portal_link;
use crate::saml_flow::stack;

#[tokio::test]
async fn the_portal_walks_the_product_guide_in_chromium_with_no_serious_accessibility_violation() {
    let s = stack().await;
    let link = portal_link(&s).await;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let base = s.base.clone();
    let company = s.company.clone();
    // The README's screenshots are copied from here (`PORTAL_SCREENSHOTS` to choose).
    let screenshots = std::env::var("PORTAL_SCREENSHOTS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| root.join("target/portal-screenshots"));
    // What the local gateway's worker does: send what the outbox holds, every half second.
    let worker = std::sync::Arc::clone(&s.env.app);
    let sweeper = tokio::spawn(async move {
        loop {
            let _ = mailer::sweep(&worker).await;
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        }
    });
    // The browser blocks this thread; the stack's server runs on the test's runtime.
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(root.join("tests/browser/portal.mjs"))
            .env("BASE", &base)
            .env("LINK", &link)
            .env("COMPANY", &company)
            .env("SCREENSHOTS", &screenshots)
            .output()
            .expect("node is installed (make deps installs the browser test's packages)")
    })
    .await
    .unwrap();
    sweeper.abort();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let report: serde_json::Value = serde_json::from_str(stdout.trim().lines().last().unwrap())
        .unwrap_or_else(|e| panic!("{e}: {stdout}"));
    println!(
        "portal: assets {} bytes; time to first render (ms) {}; axe {}",
        admin_portal::assets_total_bytes(),
        report["timings"],
        report["axe"]
    );
}
