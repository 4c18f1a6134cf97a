// The demo shop's vanilla-cookieconsent 3.1.0 configuration, as its "Getting Started" page
// writes it: import the UMD build from the CDN ({{CDN}}, filled in by the benchmark), then run.
// The categories are the demo policy's purposes (www/policies/demo.json), the words its English
// ones and Samtycke's; layout and theme are the library's defaults.
import '{{CDN}}/npm/vanilla-cookieconsent@3.1.0/dist/cookieconsent.umd.js';

CookieConsent.run({
  // The benchmark's Chromium is driven by WebDriver, so `navigator.webdriver` is true, and the
  // default (`hideFromBots: true`) would take it for a bot and show no banner at all.
  hideFromBots: false,

  categories: {
    necessary: { enabled: true, readOnly: true },
    analytics: {},
    media: {},
    ads: {},
  },

  language: {
    default: 'en',
    translations: {
      en: {
        consentModal: {
          title: 'Your privacy choices',
          description:
            'Samtycke Demo AB would like to use your data for the purposes below. Nothing beyond what is strictly necessary happens until you choose, and you can change your mind at any time.',
          acceptAllBtn: 'Accept all',
          acceptNecessaryBtn: 'Reject all',
          showPreferencesBtn: 'Settings',
          footer: '<a href="/privacy.html">Read the full privacy policy</a>',
        },
        preferencesModal: {
          title: 'Privacy settings',
          acceptAllBtn: 'Accept all',
          acceptNecessaryBtn: 'Reject all',
          savePreferencesBtn: 'Save choices',
          closeIconLabel: 'Close',
          sections: [
            {
              title: 'Strictly necessary',
              description:
                'Remembers your privacy choices and keeps the site secure. The site cannot work without it.',
              linkedCategory: 'necessary',
            },
            {
              title: 'Statistics',
              description: 'Counts visits and page views so we can see which pages are useful.',
              linkedCategory: 'analytics',
            },
            {
              title: 'Embedded videos',
              description: 'Plays our baking videos from our video host inside this page.',
              linkedCategory: 'media',
            },
            {
              title: 'Personalised advertising',
              description:
                'Shares your visit with our advertising partner to show you ads based on your interests.',
              linkedCategory: 'ads',
            },
          ],
        },
      },
    },
  },
});
