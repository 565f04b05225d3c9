#pragma once

#include "core/result.hpp"

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

// Format checks shared by the organization services. Every failure is Errc::invalid_argument
// with a message that names the field: "name: must be 1..200 characters".
namespace worktrace::org {

// ISO 3166-1 alpha-2 country codes (the 249 officially assigned ones), sorted.
inline constexpr std::array<std::string_view, 249> kCountryCodes = {
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
};

inline constexpr std::size_t kMaxNameCharacters = 200;
inline constexpr std::size_t kMaxTextBytes = 500;
inline constexpr std::size_t kMaxJobTitleCharacters = 200;
inline constexpr std::size_t kMaxTaxIdBytes = 50;
inline constexpr std::size_t kMaxLoginBytes = 64;
inline constexpr std::size_t kMaxTimeZoneBytes = 64;

// Characters, not bytes: a UTF-8 continuation byte does not start a character.
[[nodiscard]] std::size_t count_characters(std::string_view text) noexcept;

// True for an assigned ISO 3166-1 alpha-2 code (upper-case).
[[nodiscard]] bool is_country_code(std::string_view code) noexcept;

// A one-line text of min..max characters, valid UTF-8, without control characters.
[[nodiscard]] Result<void> check_line(std::string_view field, std::string_view text,
                                      std::size_t min_characters, std::size_t max_characters);

// A text of at most max_bytes bytes, valid UTF-8; line breaks allowed (addresses), other
// control characters not.
[[nodiscard]] Result<void> check_text(std::string_view field, std::string_view text,
                                      std::size_t max_bytes);

// "" or an ISO 3166-1 alpha-2 code.
[[nodiscard]] Result<void> check_country(std::string_view country);

// An IANA time zone name that exists under `zoneinfo_dir`: pattern [A-Za-z0-9_+\-/]{1,64},
// no "..", no leading "/", and a regular file of that name.
[[nodiscard]] Result<void> check_time_zone(std::string_view time_zone,
                                           std::string_view zoneinfo_dir = "/usr/share/zoneinfo");

// A login name: 1..64 of letters, digits, '.', '_', '-'.
[[nodiscard]] Result<void> check_login(std::string_view login);

// `email` normalized by auth::normalize_email, with the message naming `field`.
[[nodiscard]] Result<std::string> normalize_email_field(std::string_view field,
                                                        std::string_view email);

}  // namespace worktrace::org
