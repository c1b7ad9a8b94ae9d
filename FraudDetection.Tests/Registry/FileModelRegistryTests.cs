using FraudDetection.Core.Models;
using FraudDetection.Core.Registry;
using Microsoft.Extensions.Time.Testing;

namespace FraudDetection.Tests.Registry;

public class FileModelRegistryTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string MakeModelFolder(string name, string onnxContent)
    {
        var folder = _temp.Sub(name);
        File.WriteAllText(Path.Combine(folder, ModelRegistryNames.OnnxFileName), onnxContent);
        File.WriteAllText(Path.Combine(folder, ModelRegistryNames.MetricsFileName), $$"""{"model_version":"{{name}}"}""");
        Directory.CreateDirectory(Path.Combine(folder, "plots"));
        File.WriteAllBytes(Path.Combine(folder, "plots", "pr.png"), [0x89, 0x50, 0x4E, 0x47]);
        return folder;
    }

    [Fact]
    public async Task Registers_numbered_versions_with_their_files_and_lists_newest_first()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 3, 0, 0, TimeSpan.Zero));
        var registry = new FileModelRegistry(_temp.Sub("registry"), time);

        var first = await registry.RegisterAsync(MakeModelFolder("a", "onnx-a"), new Dictionary<string, string> { ["run_id"] = "r1" });
        time.Advance(TimeSpan.FromHours(1));
        var second = await registry.RegisterAsync(MakeModelFolder("b", "onnx-b"), new Dictionary<string, string> { ["run_id"] = "r2" });

        first.Version.Should().Be("1");
        second.Version.Should().Be("2");
        File.ReadAllText(second.OnnxPath).Should().Be("onnx-b");
        File.Exists(Path.Combine(second.ModelDirectory, "plots", "pr.png")).Should().BeTrue();
        second.Tags.Should().Contain("run_id", "r2");
        second.CreatedAt.Should().Be(time.GetUtcNow());
        second.Name.Should().Be(ModelRegistryNames.RegisteredModel);

        var versions = await registry.ListVersionsAsync();
        versions.Select(v => v.Version).Should().Equal("2", "1");

        // A second registry over the same folder (another process, e.g. Scoring) sees the same versions.
        var reader = new FileModelRegistry(registry.RootDirectory);
        (await reader.GetVersionAsync("1"))!.Tags.Should().Contain("run_id", "r1");
        (await reader.GetVersionAsync("3")).Should().BeNull();
    }

    [Fact]
    public async Task Aliases_point_at_versions_and_move()
    {
        var registry = new FileModelRegistry(_temp.Sub("registry"));
        (await registry.GetByAliasAsync(ModelRegistryNames.ChampionAlias)).Should().BeNull();

        await registry.RegisterAsync(MakeModelFolder("a", "onnx-a"), new Dictionary<string, string>());
        await registry.RegisterAsync(MakeModelFolder("b", "onnx-b"), new Dictionary<string, string>());
        await registry.SetAliasAsync(ModelRegistryNames.ChampionAlias, "1");
        await registry.SetAliasAsync(ModelRegistryNames.ChallengerAlias, "2");

        var champion = await registry.GetByAliasAsync(ModelRegistryNames.ChampionAlias);
        champion!.Version.Should().Be("1");
        champion.Aliases.Should().Equal(ModelRegistryNames.ChampionAlias);
        File.ReadAllText(champion.OnnxPath).Should().Be("onnx-a");

        await registry.SetAliasAsync(ModelRegistryNames.ChampionAlias, "2");
        await registry.DeleteAliasAsync(ModelRegistryNames.ChallengerAlias);

        (await registry.GetByAliasAsync(ModelRegistryNames.ChampionAlias))!.Version.Should().Be("2");
        (await registry.GetByAliasAsync(ModelRegistryNames.ChallengerAlias)).Should().BeNull();
        var versions = await registry.ListVersionsAsync();
        versions.Single(v => v.Version == "2").Aliases.Should().Equal(ModelRegistryNames.ChampionAlias);
        versions.Single(v => v.Version == "1").Aliases.Should().BeEmpty();
    }

    [Fact]
    public async Task A_reader_polling_while_the_champion_moves_never_sees_a_half_state()
    {
        var registry = new FileModelRegistry(_temp.Sub("registry"));
        await registry.RegisterAsync(MakeModelFolder("a", "onnx-a"), new Dictionary<string, string>());
        await registry.RegisterAsync(MakeModelFolder("b", "onnx-b"), new Dictionary<string, string>());
        await registry.SetAliasAsync(ModelRegistryNames.ChampionAlias, "1");

        var reader = new FileModelRegistry(registry.RootDirectory);
        using var stop = new CancellationTokenSource();
        var seen = new List<string>();
        var polled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var polling = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var champion = await reader.GetByAliasAsync(ModelRegistryNames.ChampionAlias);
                champion.Should().NotBeNull("the alias file is replaced in one rename, never removed");
                File.ReadAllText(champion!.OnnxPath).Should().Be(champion.Version == "1" ? "onnx-a" : "onnx-b");
                seen.Add(champion.Version);
                polled.TrySetResult();
            }
        });

        // The reader is polling before the alias starts moving (on a loaded machine the task may start late).
        await polled.Task.WaitAsync(TimeSpan.FromSeconds(10));
        for (var i = 0; i < 200; i++)
        {
            await registry.SetAliasAsync(ModelRegistryNames.ChampionAlias, i % 2 == 0 ? "2" : "1");
        }

        // Registering while the reader polls: the version appears whole or not at all.
        await registry.RegisterAsync(MakeModelFolder("c", "onnx-c"), new Dictionary<string, string>());
        stop.Cancel();
        await polling;

        seen.Should().NotBeEmpty();
        (await registry.GetByAliasAsync(ModelRegistryNames.ChampionAlias))!.Version.Should().Be("1");
        Directory.EnumerateFileSystemEntries(Path.Combine(registry.RootDirectory, ModelRegistryNames.RegisteredModel, "aliases"))
            .Select(Path.GetFileName).Should().BeEquivalentTo(ModelRegistryNames.ChampionAlias);
    }

    [Fact]
    public async Task Version_tags_are_merged_and_kept()
    {
        var registry = new FileModelRegistry(_temp.Sub("registry"));
        await registry.RegisterAsync(MakeModelFolder("a", "onnx-a"), new Dictionary<string, string> { ["run_id"] = "r1", ["gate"] = "pending" });

        await registry.SetVersionTagsAsync("1", new Dictionary<string, string> { ["gate"] = "promoted" });

        (await registry.GetVersionAsync("1"))!.Tags.Should().Equal(new Dictionary<string, string> { ["run_id"] = "r1", ["gate"] = "promoted" });
    }

    [Fact]
    public async Task Bad_requests_get_clear_errors_and_change_nothing()
    {
        var registry = new FileModelRegistry(_temp.Sub("registry"));
        var empty = _temp.Sub("empty");

        var register = () => registry.RegisterAsync(empty, new Dictionary<string, string>());
        (await register.Should().ThrowAsync<FileNotFoundException>()).WithMessage("*holds no model.onnx*");

        var alias = () => registry.SetAliasAsync(ModelRegistryNames.ChampionAlias, "7");
        (await alias.Should().ThrowAsync<KeyNotFoundException>()).WithMessage("*no such version*");

        var traversal = () => registry.SetAliasAsync("../evil", "1");
        await traversal.Should().ThrowAsync<ArgumentException>();

        var notNumber = () => registry.GetVersionAsync("../1");
        await notNumber.Should().ThrowAsync<ArgumentException>();

        (await registry.ListVersionsAsync()).Should().BeEmpty();
        (await registry.GetByAliasAsync(ModelRegistryNames.ChampionAlias)).Should().BeNull();
    }
}
