//! The modal layout: a dialog over the page that keeps the keyboard's focus inside itself.

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;

use crate::helpers::{WAIT, open_demo};

/// Whether the focus is on a control inside the banner's panel.
const FOCUS_INSIDE: &str = "const r = document.getElementById('samtycke').shadowRoot; \
     const a = r.activeElement; \
     return !!a && a.tagName !== 'H2' && r.querySelector('.panel').contains(a);";

#[tokio::test]
async fn the_modal_layout_keeps_the_focus_in_the_dialog() {
    let (_collector, browser) = open_demo().await;
    browser
        .widget_element("[data-action=accept-all]", WAIT)
        .await
        .expect("banner shows");

    // Arrange: the site asks for the modal layout.
    browser
        .eval("window.samtycke._cfg.layout = 'modal'; window.samtycke._show(''); return true;")
        .await
        .expect("eval");
    browser
        .widget_element(".backdrop + .panel.modal[aria-modal=true]", WAIT)
        .await
        .expect("modal dialog");

    // Act and assert: Tab and Shift+Tab go round and round, never out.
    for shift in [false, true] {
        for _ in 0..9 {
            let mut keys = KeyActions::new("keyboard".into());
            if shift {
                keys = keys.then(KeyAction::Down {
                    value: Key::Shift.into(),
                });
            }
            keys = keys
                .then(KeyAction::Down {
                    value: Key::Tab.into(),
                })
                .then(KeyAction::Up {
                    value: Key::Tab.into(),
                });
            if shift {
                keys = keys.then(KeyAction::Up {
                    value: Key::Shift.into(),
                });
            }
            browser.client.perform_actions(keys).await.expect("keys");
            assert_eq!(
                browser.eval(FOCUS_INSIDE).await.expect("eval"),
                true,
                "the focus left the modal dialog (shift: {shift})"
            );
        }
    }
    browser.close().await.expect("browser closes");
}
