using System.Globalization;
using System.Text;
using System.Text.Json;
using FraudDetection.Notifier.Kakao;
using FraudDetection.Notifier.Options;

namespace FraudDetection.Notifier.Messages;

/// <summary>
/// Builds what the card holder reads: masked card (last 4 only), amount with currency, merchant, category,
/// local time, the top reason in plain words, and a confirm/report link to web's answer page
/// (<c>{LinkBaseUrl}/{alert_id}?t={token}</c>, the token signed with <see cref="AlertLinkTokens"/>). Korean by default,
/// English on request.
/// </summary>
public sealed class AlertMessageComposer(IOptions<NotifierOptions> options, AlertLinkTokens? tokens = null)
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private static readonly Dictionary<string, (string Korean, string English)> Categories = new(StringComparer.OrdinalIgnoreCase)
    {
        ["entertainment"] = ("엔터테인먼트", "entertainment"),
        ["food_dining"] = ("음식점", "restaurants"),
        ["gas_transport"] = ("주유·교통", "fuel and transport"),
        ["grocery_net"] = ("식료품(온라인)", "groceries (online)"),
        ["grocery_pos"] = ("식료품(매장)", "groceries (in store)"),
        ["health_fitness"] = ("건강·피트니스", "health and fitness"),
        ["home"] = ("생활·가정", "home"),
        ["kids_pets"] = ("아동·반려동물", "kids and pets"),
        ["misc_net"] = ("기타(온라인)", "other (online)"),
        ["misc_pos"] = ("기타(매장)", "other (in store)"),
        ["personal_care"] = ("미용·개인관리", "personal care"),
        ["shopping_net"] = ("쇼핑(온라인)", "shopping (online)"),
        ["shopping_pos"] = ("쇼핑(매장)", "shopping (in store)"),
        ["travel"] = ("여행", "travel"),
    };

    private bool English => string.Equals(options.Value.Language, "en", StringComparison.OrdinalIgnoreCase);

    public NotificationMessage Compose(string recipientKey, IReadOnlyList<FraudAlert> alerts)
    {
        if (alerts.Count == 0)
        {
            throw new ArgumentException("A message needs at least one alert.", nameof(alerts));
        }
        var english = English;
        var latest = alerts[^1];
        // The card mask is re-applied to what the alert carries, so nothing but the last 4 digits can leave here.
        var card = MaskCard(latest.CardMasked);
        var text = alerts.Count == 1 ? Single(latest, card, english) : Summary(alerts, card, english);
        text = Fit(text);
        var link = Link(latest.AlertId ?? latest.TransNum);
        var button = english ? "Confirm or report" : "확인 및 신고";
        var template = new KakaoTextTemplate("text", text, new KakaoLink(link, link), button);
        var json = JsonSerializer.Serialize(template, NotifierJsonContext.Readable.KakaoTextTemplate);
        return new NotificationMessage(recipientKey, card, alerts, text, link, button, json);
    }

    /// <summary>The answer page of one alert; with the signing secret configured, its token is part of the link.</summary>
    public string Link(string alertId)
    {
        var link = $"{options.Value.LinkBaseUrl.TrimEnd('/')}/{Uri.EscapeDataString(alertId)}";
        return tokens is null ? link : $"{link}?t={tokens.Create(alertId)}";
    }

    private static string Single(FraudAlert alert, string card, bool english)
    {
        var amount = Money(alert.Amount, alert.Currency);
        var merchant = Merchant(alert.Merchant);
        var category = Category(alert.Category, english);
        var time = alert.LocalTime.ToString("yyyy-MM-dd HH:mm", Invariant);
        var reason = ReasonPhrases.Describe(ReasonPhrases.Top(alert.Reasons)?.Feature, english);
        return english
            ? $"[Fraud alert] Card {card}\nAmount: {amount}\nMerchant: {merchant}\nCategory: {category}\nTime: {time} (local)\nWhy: {reason}\nNot you? Report it below."
            : $"[이상거래 알림] 카드 {card}\n금액: {amount}\n가맹점: {merchant}\n업종: {category}\n일시: {time} (현지)\n사유: {reason}\n본인 거래가 아니면 아래에서 신고하세요.";
    }

    private static string Summary(IReadOnlyList<FraudAlert> alerts, string card, bool english)
    {
        var currencies = alerts.Select(a => a.Currency).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var total = currencies.Count == 1
            ? Money(alerts.Sum(a => a.Amount), currencies[0])
            : string.Join(" + ", alerts.GroupBy(a => a.Currency, StringComparer.OrdinalIgnoreCase).Select(g => Money(g.Sum(a => a.Amount), g.Key)));
        var first = alerts.Min(a => a.LocalTime).ToString("HH:mm", Invariant);
        var last = alerts.Max(a => a.LocalTime).ToString("HH:mm", Invariant);
        var merchants = string.Join(", ", alerts.Select(a => Merchant(a.Merchant)).Distinct().Take(2));
        if (alerts.Select(a => a.Merchant).Distinct().Count() > 2)
        {
            merchants += english ? " and more" : " 외";
        }
        var reason = ReasonPhrases.Describe(
            alerts.Select(a => ReasonPhrases.Top(a.Reasons)).Where(r => r is not null).MaxBy(r => r!.Contribution)?.Feature, english);
        return english
            ? $"[Fraud alert] Card {card}\n{alerts.Count} suspicious payments, {first}–{last} (local)\nTotal: {total}\nMerchants: {merchants}\nWhy: {reason}\nNot you? Report it below."
            : $"[이상거래 알림] 카드 {card}\n의심 거래 {alerts.Count}건, {first}–{last} (현지)\n합계: {total}\n가맹점: {merchants}\n사유: {reason}\n본인 거래가 아니면 아래에서 신고하세요.";
    }

    /// <summary>"****1234" from whatever the alert carries (even a full number by mistake): only the last 4 digits.</summary>
    public static string MaskCard(string? card)
    {
        var digits = new string((card ?? "").Where(char.IsAsciiDigit).ToArray());
        return digits.Length >= 4 ? "****" + digits[^4..] : "****";
    }

    /// <summary>"$1,234.56", "₩12,345", else "1,234.56 CHF".</summary>
    public static string Money(double amount, string? currency)
    {
        var code = string.IsNullOrWhiteSpace(currency) ? "USD" : currency.Trim().ToUpperInvariant();
        return code switch
        {
            "USD" => "$" + amount.ToString("N2", Invariant),
            "KRW" => "₩" + amount.ToString("N0", Invariant),
            "EUR" => "€" + amount.ToString("N2", Invariant),
            "JPY" => "¥" + amount.ToString("N0", Invariant),
            _ => amount.ToString("N2", Invariant) + " " + code,
        };
    }

    /// <summary>The merchant as the card holder reads it (<see cref="MerchantNames.Display"/>).</summary>
    public static string Merchant(string? merchant) => MerchantNames.Display(merchant);

    public static string Category(string? category, bool english) =>
        category is null ? "?"
        : Categories.TryGetValue(category, out var names) ? (english ? names.English : names.Korean)
        : category.Replace('_', ' ');

    /// <summary>Kakao's text template takes 200 characters; longer text is cut on a line end when possible.</summary>
    private static string Fit(string text)
    {
        if (text.Length <= KakaoTextTemplate.MaxTextLength)
        {
            return text;
        }
        var builder = new StringBuilder();
        foreach (var line in text.Split('\n'))
        {
            var candidate = builder.Length == 0 ? line : "\n" + line;
            if (builder.Length + candidate.Length > KakaoTextTemplate.MaxTextLength)
            {
                break;
            }
            builder.Append(candidate);
        }
        var fitted = builder.ToString();
        return fitted.Length > 0 ? fitted : text[..(KakaoTextTemplate.MaxTextLength - 1)] + "…";
    }
}
