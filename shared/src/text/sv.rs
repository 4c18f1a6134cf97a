//! Svenska (Swedish). Legal terms as in the Swedish text of the GDPR (dataskyddsförordningen).

use super::Text;

pub const SV: Text = Text {
    name: "Svenska",
    language: "Språk",
    dialog_title: "Dina integritetsval",
    policy_link: "Läs hela integritetspolicyn",
    accept_all: "Godkänn alla",
    reject_all: "Avvisa alla",
    settings: "Inställningar",
    save: "Spara mina val",
    back: "Tillbaka",
    close: "Stäng",
    settings_title: "Integritetsinställningar",
    settings_intro: "Välj för varje ändamål för sig. Inget frivilligt slås på förrän du själv \
                     väljer det, och du kan ändra dig när som helst.",
    necessary_note: "Alltid på: behandling som är strikt nödvändig kräver inte samtycke.",
    special_note: "Vissa ändamål innebär behandling av känsliga personuppgifter (artikel 9 i \
                   dataskyddsförordningen). ”Godkänn alla” omfattar inte dem: var och en kräver \
                   ditt uttryckliga samtycke, som du lämnar genom att kryssa i den under \
                   Inställningar.",
    special_category: "Behandlar känsliga personuppgifter (artikel 9 i dataskyddsförordningen) \
                       – kräver ditt uttryckliga samtycke: slås bara på om du själv kryssar i \
                       rutan här.",
    disclosure: "Fullständig information",
    data_categories: "Personuppgifter som behandlas",
    lawful_basis: "Rättslig grund",
    recipients: "Mottagare",
    no_recipients: "Ingen utanför den personuppgiftsansvarige",
    transfers: "Överföring till länder utanför EU/EES",
    no_transfers: "Ingen",
    retention: "Lagringstid",
    automated: "Automatiserat beslutsfattande och profilering",
    no_automated: "Förekommer inte",
    if_refused: "Om du avböjer",
    cookies: "Kakor",
    controller: "Personuppgiftsansvarig och dina rättigheter",
    contact: "Kontakt",
    dpo: "Dataskyddsombud",
    authority: "Tillsynsmyndighet",
    rights: "Du har rätt att begära tillgång till dina personuppgifter, få dem rättade eller \
             raderade, begära att behandlingen begränsas, få ut dem i ett maskinläsbart format \
             (dataportabilitet) och invända mot behandlingen. Du kan när som helst återkalla \
             ditt samtycke, lika enkelt som du lämnade det, och du har rätt att lämna klagomål \
             till tillsynsmyndigheten.",
    gpc_note: "Din webbläsare skickar signalen Global Privacy Control. Ändamål som innebär att \
               dina uppgifter delas för annonsering förblir därför avstängda, om du inte själv \
               slår på dem under Inställningar.",
    saving: "Sparar…",
    failed: "Ditt val kunde inte sparas. Försök igen.",
    granted_at: "Godkänt",
    denied_at: "Avböjt",
    withdrawn_at: "Återkallat",
    download: "Ladda ner mina samtyckeskvitton",
    signups: "Dina anmälningar",
    withdraw: "Återkalla samtycke",
    optin_label: "Jag vill få",
    optin_note: "Du kan när som helst återkalla ditt samtycke: under Integritetsinställningar på den här webbplatsen, eller genom att skriva till",
    age_question: "Hur gammal är du?",
    age_at_least: "{age} år eller äldre",
    age_below: "Under {age} år",
    guardian_label: "Din förälders eller vårdnadshavares e-postadress",
    guardian_note: "Vi ber hen bekräfta via e-post. Tills dess skickar vi ingenting till dig.",
    basis_consent: "Ditt samtycke (art. 6.1 a dataskyddsförordningen)",
    basis_contract: "Avtal med dig (art. 6.1 b dataskyddsförordningen)",
    basis_legal_obligation: "Rättslig förpliktelse (art. 6.1 c dataskyddsförordningen)",
    basis_vital_interests: "Grundläggande intressen (art. 6.1 d dataskyddsförordningen)",
    basis_public_task: "Uppgift av allmänt intresse eller myndighetsutövning (art. 6.1 e \
                        dataskyddsförordningen)",
    basis_legitimate_interests: "Berättigat intresse (art. 6.1 f dataskyddsförordningen)",
    settings_control: "Integritetsinställningar",
    load_embed: "Ladda efter samtycke",
    embed_provider: "Leverantör:",
};
