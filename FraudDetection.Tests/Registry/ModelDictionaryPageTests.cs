using FraudDetection.Core.Models;
using FraudDetection.Core.Registry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace FraudDetection.Tests.Registry;

/// <summary>The model dictionary pages in Debian's headless Chromium (never a downloaded browser), with their plots.</summary>
[Trait("Category", "Integration")]
public class ModelDictionaryPageTests(ITestOutputHelper output) : IDisposable
{
    private const string Chromium = "/usr/bin/chromium";
    private readonly TempFolder _temp = new("fd-pages");
    private static readonly PageGotoOptions DomReady = new() { WaitUntil = WaitUntilState.DOMContentLoaded };

    public void Dispose() => _temp.Dispose();

    private static byte[] Plot(string title, double[] xs, double[] ys)
    {
        var plot = new ScottPlot.Plot();
        plot.Add.Scatter(xs, ys);
        plot.Title(title);
        return plot.GetImageBytes(480, 360, ScottPlot.ImageFormat.Png);
    }

    private static Dictionary<string, byte[]> Plots(double strength) => new()
    {
        ["pr_curve.png"] = Plot("Precision-recall", [0, 0.5, 0.8, 1], [1, 0.9 * strength, 0.7 * strength, 0.1]),
        ["roc_curve.png"] = Plot("ROC", [0, 0.05, 0.2, 1], [0, 0.8 * strength, 0.95, 1]),
        ["shap_summary.png"] = Plot("SHAP summary", [1, 2, 3], [1.2, 0.4, 0.1]),
    };

    private static async Task<IBrowser> LaunchAsync(IPlaywright playwright)
        => await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
        });

    private string Screenshot(string name)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name);
        output.WriteLine($"screenshot: {path}");
        Console.WriteLine($"screenshot: {path}");
        return path;
    }

    [Fact]
    public async Task The_list_a_version_and_a_comparison_render_with_their_plots()
    {
        File.Exists(Chromium).Should().BeTrue("Debian's chromium is installed by .ci/run (apt-get install chromium)");
        await using var host = await TrainingHost.StartAsync(_temp.Path, job: new ScriptedTrainingJob(), evaluator: new PrecomputedEvaluator());
        var registry = host.App.Services.GetRequiredService<IModelRegistryAdmin>();
        var v1 = await registry.RegisterAsync(TestModels.WriteFolder(_temp.Sub("m1"), TestModels.Report("m1", 0.71, 0.62), plots: Plots(0.9)), new Dictionary<string, string>());
        var v2 = await registry.RegisterAsync(TestModels.WriteFolder(_temp.Sub("m2"), TestModels.Report("m2 <script>", 0.79, 0.66), plots: Plots(1.0)), new Dictionary<string, string> { [RegistryTags.GateDecision] = "promoted" });
        await registry.SetAliasAsync(ModelRegistryNames.ChampionAlias, v2.Version);
        await registry.SetAliasAsync(ModelRegistryNames.ChallengerAlias, v1.Version);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        // Bounds against a hang: a busy CI machine takes longer than Playwright's 30 s default to load a page.
        page.SetDefaultTimeout(90_000);
        page.SetDefaultNavigationTimeout(90_000);

        // The list: every version, which is champion, where it lives.
        var list = await page.GotoAsync(new Uri(host.BaseAddress, "/models").ToString(), DomReady);
        list!.Status.Should().Be(200);
        var rows = await page.Locator("#versions tr").AllInnerTextsAsync();
        rows.Should().HaveCount(3);
        rows[1].Should().Contain("v2").And.Contain("champion").And.Contain("0.7900").And.Contain("promoted");
        rows[2].Should().Contain("v1").And.Contain("challenger").And.Contain("0.7100");
        (await page.InnerTextAsync("#versions")).Should().Contain(v2.ModelDirectory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("models-list.png"), FullPage = true });

        // One version: params, metrics, confusion matrix, importance, SHAP, and its plots loaded.
        await page.GetByRole(AriaRole.Link, new() { Name = "v2", Exact = true }).ClickAsync();
        // DOMContentLoaded, not the load event: the plots are checked one by one below, and a load event missed on a busy machine hung here.
        await page.WaitForURLAsync("**/models/2", new PageWaitForURLOptions { WaitUntil = WaitUntilState.DOMContentLoaded });
        (await page.InnerTextAsync("h1")).Should().Contain("fraud-detector v2").And.Contain("champion");
        (await page.InnerTextAsync("#params")).Should().Contain("num_leaves").And.Contain("31");
        (await page.InnerTextAsync("#metrics")).Should().Contain("average precision").And.Contain("0.7900");
        (await page.InnerTextAsync("#confusion")).Should().Contain("45").And.Contain("9,929");
        (await page.InnerTextAsync("#importance")).Should().Contain("amt_zscore_card");
        (await page.InnerTextAsync("#shap")).Should().Contain("tx_count_1h");
        await AssertPlotsLoaded(page, 3);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("model-v2.png"), FullPage = true });

        // Side by side.
        await page.GotoAsync(new Uri(host.BaseAddress, "/models/compare?a=1&b=2").ToString(), DomReady);
        var comparison = await page.InnerTextAsync("#comparison");
        comparison.Should().Contain("average precision").And.Contain("0.7100").And.Contain("0.7900").And.Contain("+0.0800");
        await AssertPlotsLoaded(page, 6);
        var shot = Screenshot("models-compare.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true });
        new FileInfo(shot).Length.Should().BeGreaterThan(10_000);

        // Nothing unescaped, no way out of a version folder.
        (await page.ContentAsync()).Should().NotContain("<script>");
        (await host.Client.GetAsync("/models/2/files/..%2Fmetrics.json")).StatusCode.Should().Be(System.Net.HttpStatusCode.NotFound);
        (await host.Client.GetAsync("/models/9")).StatusCode.Should().Be(System.Net.HttpStatusCode.NotFound);
    }

    private static async Task AssertPlotsLoaded(IPage page, int expected)
    {
        // Every plot's request answered (the page is served whole, so its plots are there); the widths say which decoded.
        await page.WaitForFunctionAsync("() => Array.from(document.querySelectorAll('img.plot')).every(i => i.complete)");
        var widths = await page.EvaluateAsync<int[]>("() => Array.from(document.querySelectorAll('img.plot')).map(i => i.complete ? i.naturalWidth : 0)");
        widths.Should().HaveCount(expected).And.OnlyContain(width => width == 480, "every plot PNG is served and decoded");
    }
}
