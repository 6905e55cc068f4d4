//! Every stable finding code, with its default severity and a one-line summary.
//!
//! Codes are part of the command-line contract: never rename one. README.md lists them all and a
//! test fails when a code has no fixture under `tests/fixtures/codes/`.

use super::Severity;

macro_rules! codes {
    ($( $variant:ident = $name:literal, $sev:ident, $summary:literal; )*) => {
        /// A stable kebab-case finding code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $( $variant, )* }

        impl Code {
            /// Every code, in documentation order.
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $name, )* }
            }
            pub fn severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$sev, )* }
            }
            pub fn summary(self) -> &'static str {
                match self { $( Code::$variant => $summary, )* }
            }
            pub fn from_name(name: &str) -> Option<Code> {
                match name { $( $name => Some(Code::$variant), )* _ => None }
            }
        }
    };
}

codes! {
    // files and syntax
    TomlSyntax = "toml-syntax", Error, "the file is not valid TOML";
    InvalidUtf8 = "invalid-utf8", Error, "a text file is not valid UTF-8 (binary or wrongly encoded)";
    UnreadableFile = "unreadable-file", Error, "a file that cannot be read (permissions, a link loop, a merge conflict, a submodule)";
    FileTooLarge = "file-too-large", Error, "a file is larger than cekops reads (32 MiB)";
    UnknownKey = "unknown-key", Error, "a key that the file format does not define";
    SchemaViolation = "schema-violation", Error, "a value of the wrong type or outside the format's schema";
    MissingFile = "missing-file", Error, "a required file of an extension is missing";
    UnknownFile = "unknown-file", Warning, "a file in an extension folder that cekops does not know";
    SymlinkEscape = "symlink-escape", Error, "a symbolic link that points outside the repository";
    MissingConfig = "missing-config", Warning, "the repository has no cekops.toml";
    ConfigInvalid = "config-invalid", Error, "cekops.toml holds an invalid setting";
    // basic information
    IdFormat = "id-format", Error, "the Extension ID is not in lower-case reverse-domain notation";
    IdMismatch = "id-mismatch", Error, "the Extension ID differs from its folder name";
    DuplicateId = "duplicate-id", Error, "two extensions declare the same Extension ID";
    NameEmpty = "name-empty", Error, "the extension name is empty";
    NameReadingNotSupported = "name-reading-not-supported", Warning, "a skill-name reading on a KR extension (JP only)";
    NameReading = "name-reading", Error, "the JP skill-name reading is not kana, or is missing under service rules";
    NameReserved = "name-reserved", Error, "the extension name contains a wake word, start/stop word, built-in-skill phrase or connecting particle";
    InvocationNameCount = "invocation-name-count", Error, "too few or too many invocation names for the language";
    InvocationNameReserved = "invocation-name-reserved", Error, "an invocation name contains a wake word or a start/stop word";
    InvocationNameBuiltinSkill = "invocation-name-builtin-skill", Error, "an invocation name contains a phrase that triggers a built-in skill";
    InvocationNameParticle = "invocation-name-particle", Error, "a KR invocation name ends in a connecting particle (한테, 에게, 에서 …)";
    InvocationNameVariant = "invocation-name-variant", Warning, "a JP sub invocation name that is not a variant of the main name";
    InvocationNameEmpty = "invocation-name-empty", Error, "an invocation name is empty";
    DuplicateInvocationName = "duplicate-invocation-name", Error, "an invocation name is used twice (compared ignoring case and spaces)";
    ProviderMissing = "provider-missing", Error, "the developer company (provider) is missing";
    ContactEmail = "contact-email", Error, "the contact e-mail is missing or not an e-mail address";
    TestersCount = "testers-count", Error, "more than 10 tester IDs";
    TestersNotSupported = "testers-not-supported", Warning, "tester IDs on a JP extension (testers are LINE channel roles)";
    // server connection
    EndpointUrl = "endpoint-url", Error, "the extension server URL is not a valid http(s) URL";
    EndpointScheme = "endpoint-scheme", Error, "the extension server URL uses HTTP where HTTPS is required";
    EndpointPort = "endpoint-port", Error, "the extension server URL uses a port other than 443 (HTTPS) or 80 (HTTP)";
    UntrustedCertificate = "untrusted-certificate", Error, "the server's certificate is not from a trusted CA";
    AccountLinkingRequired = "account-linking-required", Error, "a required account-linking field is missing";
    AccountLinkingUrl = "account-linking-url", Error, "an account-linking URL is invalid or not HTTPS on port 443";
    AccountLinkingDomainsCount = "account-linking-domains-count", Error, "more than 15 account-linking domains";
    AccountLinkingScopesCount = "account-linking-scopes-count", Error, "more than 15 account-linking scopes";
    AccountLinkingGrantType = "account-linking-grant-type", Error, "a grant type other than the authorization-code grant";
    InlineSecret = "inline-secret", Error, "a secret written inline instead of by reference";
    SecretExtraKey = "secret-extra-key", Error, "a secret reference with keys beside `env` (e.g. the value itself)";
    SecretEnvName = "secret-env-name", Error, "a secret reference that does not name a valid environment variable";
    UrlCredentials = "url-credentials", Error, "a URL field with `user:password@` credentials";
    UrlToken = "url-token", Error, "a URL field with a token or key in its query string";
    // interaction model
    BuiltinIntentMissing = "builtin-intent-missing", Error, "a built-in intent the language requires is not declared";
    BuiltinIntentUnknown = "builtin-intent-unknown", Error, "a built-in intent that does not exist for the language";
    BuiltinSlotTypeUnknown = "builtin-slot-type-unknown", Error, "a built-in slot type that does not exist for the language";
    IntentNameReserved = "intent-name-reserved", Error, "a custom intent name starts with the reserved `Clova.` prefix";
    IntentNameInvalid = "intent-name-invalid", Error, "an intent or slot-type file name that the console cannot hold";
    DuplicateIntent = "duplicate-intent", Error, "two intents whose names differ only in case";
    UnknownSlotType = "unknown-slot-type", Error, "a slot whose type is neither a custom slot type nor a declared built-in type";
    UtteranceTag = "utterance-tag", Error, "a malformed slot tag in a sample utterance";
    UnknownSlot = "unknown-slot", Error, "a tag names a slot the intent does not declare";
    UnusedSlot = "unused-slot", Warning, "a declared slot that no sample utterance tags";
    EmptyUtterance = "empty-utterance", Error, "an empty sample utterance";
    UtteranceCount = "utterance-count", Error, "more than 2,000 sample utterances in one intent";
    NoUtterances = "no-utterances", Warning, "an intent without sample utterances";
    DuplicateUtterance = "duplicate-utterance", Warning, "the same sample utterance twice in one intent";
    AmbiguousUtterance = "ambiguous-utterance", Error, "the same sample utterance in two intents";
    AmbiguousPattern = "ambiguous-pattern", Error, "the same utterance pattern (slot values aside) in two intents";
    SlotTypeSize = "slot-type-size", Error, "more than 200,000 entries in one slot type";
    SlotValueControl = "slot-value-control", Error, "a slot value or synonym with a NUL byte or another control character";
    SynonymConflict = "synonym-conflict", Error, "a synonym under two representative values (a warning when the other is its representative value)";
    DuplicateSlotType = "duplicate-slot-type", Error, "a slot type defined twice (.toml and .tsv, or in different case)";
    UnusedSlotType = "unused-slot-type", Warning, "a custom slot type that no intent uses";
    DatetimeConflict = "datetime-conflict", Error, "`CLOVA.DATETIME` and `CLOVA.DATETIME_RECENT` in one intent";
    DatetimeMixed = "datetime-mixed", Warning, "JP: `CLOVA.DATETIME` and `CLOVA.DATETIME_RECENT` in one extension";
    SlotNameType = "slot-name-type", Warning, "the same slot name with different slot types in two intents";
    UtteranceGuidance = "utterance-guidance", Info, "fewer sample utterances than the design guide recommends (never fails)";
    TsvSyntax = "tsv-syntax", Error, "a slot-type TSV line the console cannot read";
    // deployment information
    StoreFieldMissing = "store-field-missing", Error, "a required deployment-information field is missing";
    StoreFieldNotSupported = "store-field-not-supported", Warning, "a deployment-information field the language's console does not have";
    StoreCountry = "store-country", Error, "the service country is not the one fixed choice of the console (KR or JP)";
    StoreSupportContact = "store-support-contact", Error, "the Skill Store description has no customer-support contact";
    StoreDescriptionLength = "store-description-length", Error, "the Skill Store description is longer than 500 characters";
    StoreShortDescriptionLength = "store-short-description-length", Error, "the short description is longer than 200 characters";
    StoreExamplePhrases = "store-example-phrases", Error, "the wrong number of example phrases for the Skill Store";
    StorePhraseUnmatched = "store-phrase-unmatched", Error, "a Skill Store example phrase that matches no intent of the interaction model";
    StoreKeywords = "store-keywords", Error, "search keywords over the language's limit";
    PrivacyPolicyRequired = "privacy-policy-required", Error, "personal information is collected but no privacy policy URL is given";
    PrivacyUrl = "privacy-url", Error, "a privacy-policy or terms URL that is not a well-formed https URL";
    CorporationInfoMissing = "corporation-info-missing", Error, "JP corporation: head-office address, phone, representative or website missing";
    TestAccountRequired = "test-account-required", Error, "account linking is used but no reviewer test account is given";
    IconMissing = "icon-missing", Error, "an icon file that is required or referenced does not exist";
    IconFormat = "icon-format", Error, "an icon that is not a PNG or JPG image";
    IconSize = "icon-size", Error, "an icon whose pixel size is not the one the console requires";
    // tests
    TestCaseInvalid = "test-case-invalid", Error, "a test case that names no utterance or an unknown intent or slot";
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            let name = code.as_str();
            assert!(seen.insert(name), "duplicate code {name}");
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit()),
                "{name} is not kebab-case"
            );
            assert_eq!(Code::from_name(name), Some(*code));
        }
    }
}
