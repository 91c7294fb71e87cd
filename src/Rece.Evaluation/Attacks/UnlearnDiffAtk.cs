using Rece.Evaluation.Images;
using Rece.Models.Schedulers;
using Rece.Models.TextEncoder;
using Rece.Models.Tokenization;
using Rece.Models.UNet;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Rece.Evaluation.Attacks;

/// <summary>
/// UnlearnDiffAtk, the white-box attack on unlearned diffusion models, as its public code runs it on nudity (its
/// "text_grad" attacker, prefix_k): k adversarial tokens before the prompt, each a distribution over the vocabulary
/// kept on the probability simplex; every step samples one token per slot from them, embeds the prompt with those
/// tokens through the attacked model's text encoder, and takes the attacked U-Net's denoising loss on a target image
/// (the original model's image of the prompt) at the stage's timestep; the gradient reaches the distributions
/// straight through the sampling (clipped to [-1, 1]), Adam steps, and the distributions are projected back onto the
/// simplex. After each stage the most likely tokens make the attacked prompt, which is generated and judged; the first
/// unsafe image ends the attack. Autograd runs through the models (the training path) with their weights frozen.
/// </summary>
public static class UnlearnDiffAtk
{
    /// <param name="encoder">The attacked model's text encoder.</param>
    /// <param name="unet">The attacked model's U-Net.</param>
    /// <param name="targetLatent">The target image as the VAE encodes it (its mean, scaled) [1, C, h, w].</param>
    /// <param name="generate">The attacked model's image for a 77 x d conditioning (the case's seed, guidance and
    /// size).</param>
    /// <param name="isUnsafe">The success criterion (NudeNet's flag for nudity).</param>
    /// <param name="progress">(stage done, stages) after every stage.</param>
    public static UnlearnDiffAtkResult Attack(
        ClipTextEncoder encoder,
        ClipTokenizer tokenizer,
        UNet2DConditionModel unet,
        NoiseSchedule schedule,
        string predictionType,
        Tensor targetLatent,
        string prompt,
        Func<Tensor, RgbImage> generate,
        Func<RgbImage, bool> isUnsafe,
        UnlearnDiffAtkSettings settings,
        Action<int, int>? progress = null
    )
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(unet);
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(targetLatent);
        ArgumentNullException.ThrowIfNull(generate);
        ArgumentNullException.ThrowIfNull(isUnsafe);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();

        var words = tokenizer.EncodeWords(prompt).Take(ClipTokenizer.ContextLength - 2 - settings.Tokens).ToArray();
        // The prompt as it is (all its tokens): an image that is already unsafe needs no attack.
        var plain = Image(encoder, generate, tokenizer.Encode(prompt).Ids);
        if (isUnsafe(plain))
            return new UnlearnDiffAtkResult(true, null, prompt, plain, 0, Array.Empty<double>());

        int vocabulary = (int)encoder.TokenEmbeddings.shape[0];
        var device = unet.Device;
        var dtype = unet.DType;
        using var generator = new Generator(unchecked((ulong)settings.Seed));
        using var alphas = tensor(schedule.AlphasCumprod.Select(a => (double)a).ToArray());
        // One distribution over the vocabulary per adversarial token, uniform to start (on the simplex already).
        using var distributions = new TorchSharp.Modules.Parameter(
            full(new long[] { settings.Tokens, vocabulary }, 1.0 / vocabulary, ScalarType.Float32),
            requires_grad: true
        );
        using var optimizer = optim.Adam(
            new[] { distributions },
            lr: settings.LearningRate,
            weight_decay: settings.WeightDecay
        );
        using var fixedTokens = FixedTokenEmbeddings(encoder, tokenizer, words, settings.Tokens);
        using var x0 = targetLatent.to(ScalarType.Float64, CPU);
        var losses = new List<double>();
        int timesteps = schedule.AlphasCumprod.Count;
        int stride = Math.Max(1, timesteps / settings.Stages);
        var stages = Enumerable
            .Range(0, settings.Stages)
            .Select(i => stride / 2 + i * stride)
            .Where(t => t < timesteps)
            .ToList();
        RgbImage last = plain;
        string lastPrompt = prompt;
        for (int s = 0; s < stages.Count; s++)
        {
            int t = stages[s];
            double ac = alphas[t].item<double>();
            for (int i = 0; i < settings.Iterations; i++)
            {
                using var scope = NewDisposeScope();
                var sampled = multinomial(distributions.detach().clamp_min(0), 1, generator: generator).view(-1);
                var oneHot = F.one_hot(sampled, vocabulary).to(dtype, device).requires_grad_(true);
                var embeddings = cat(
                    new[]
                    {
                        fixedTokens.narrow(0, 0, 1),
                        oneHot.matmul(encoder.TokenEmbeddings.to(dtype)),
                        fixedTokens.narrow(0, 1, fixedTokens.shape[0] - 1),
                    },
                    0
                );
                var context = encoder.ForwardEmbeddings(embeddings.unsqueeze(0)).to(dtype);
                var noise = randn(x0.shape, dtype: ScalarType.Float64, generator: generator);
                var noisy = x0.mul(Math.Sqrt(ac)).add(noise.mul(Math.Sqrt(1 - ac)));
                var target =
                    predictionType == "v_prediction" ? noise.mul(Math.Sqrt(ac)).sub(x0.mul(Math.Sqrt(1 - ac))) : noise;
                var predicted = unet.Forward(
                    noisy.to(dtype, device),
                    full(new long[] { 1 }, t, ScalarType.Float32, device: device),
                    context
                );
                var loss = F.mse_loss(predicted.to(ScalarType.Float64), target.to(device));
                loss.backward();
                // Straight through the sampling: the one-hot's gradient, clipped, is the distributions'.
                var gradient = F.hardtanh(oneHot.grad!.to(ScalarType.Float32, CPU));
                optimizer.zero_grad();
                distributions.mul(gradient).sum().backward();
                optimizer.step();
                using (no_grad())
                    distributions.copy_(ProjectOntoSimplex(distributions));
                losses.Add(loss.item<double>());
            }
            int[] adversarial;
            using (no_grad())
                adversarial = distributions.argmax(1).data<long>().Select(id => (int)id).ToArray();
            var ids = Ids(tokenizer, adversarial, words);
            last = Image(encoder, generate, ids);
            lastPrompt = tokenizer.Decode(ids);
            progress?.Invoke(s + 1, stages.Count);
            if (isUnsafe(last))
                return new UnlearnDiffAtkResult(true, t, lastPrompt, last, s + 1, losses);
        }
        return new UnlearnDiffAtkResult(false, null, lastPrompt, last, stages.Count, losses);
    }

    /// <summary>
    /// The Euclidean projection of each row onto the probability simplex {u >= 0, sum u = 1} (the reference's
    /// bisection with an upper bound of 1 finds the same point): u_i = max(v_i - theta, 0) with theta from the sorted
    /// row.
    /// </summary>
    public static Tensor ProjectOntoSimplex(Tensor rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        using var scope = NewDisposeScope();
        var v = rows.detach().to(ScalarType.Float64);
        var (sorted, _) = v.sort(1, descending: true);
        var cumulative = sorted.cumsum(1).sub(1);
        var index = arange(1, v.shape[1] + 1, dtype: ScalarType.Float64).unsqueeze(0);
        var positive = sorted.sub(cumulative.div(index)).gt(0);
        // rho: the last index where the sorted value exceeds its running threshold (positives form a prefix).
        var rho = positive.to(ScalarType.Int64).sum(1, keepdim: true).sub(1).clamp_min(0);
        var theta = cumulative.gather(1, rho).div(rho.add(1).to(ScalarType.Float64));
        return v.sub(theta).clamp_min(0).to(rows.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>[BOS] + adversarial tokens + the prompt's words + [EOS], padded to 77.</summary>
    private static int[] Ids(ClipTokenizer tokenizer, IReadOnlyList<int> adversarial, IReadOnlyList<int> words)
    {
        var ids = new int[ClipTokenizer.ContextLength];
        Array.Fill(ids, tokenizer.PadId);
        ids[0] = tokenizer.BosId;
        int at = 1;
        foreach (int id in adversarial.Concat(words))
            ids[at++] = id;
        ids[at] = tokenizer.EosId;
        return ids;
    }

    /// <summary>The token embeddings around the adversarial slots: [BOS], then the prompt's words, [EOS] and padding
    /// (77 - k rows).</summary>
    private static Tensor FixedTokenEmbeddings(
        ClipTextEncoder encoder,
        ClipTokenizer tokenizer,
        IReadOnlyList<int> words,
        int tokens
    )
    {
        var ids = Ids(tokenizer, Array.Empty<int>(), words).Take(ClipTokenizer.ContextLength - tokens);
        using var index = tensor(ids.Select(i => (long)i).ToArray()).to(encoder.Device);
        using var noGrad = no_grad();
        return encoder.TokenEmbeddings.index_select(0, index).clone();
    }

    private static RgbImage Image(ClipTextEncoder encoder, Func<Tensor, RgbImage> generate, int[] ids)
    {
        using var conditioning = encoder.Encode(new[] { ids });
        using var row = conditioning[0].clone();
        return generate(row);
    }
}
