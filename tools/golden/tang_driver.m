% fusionkit's driver (our code) for Linfeng Tang's Evaluation-for-Image-Fusion, run unmodified under Octave:
%   octave-cli --no-gui --eval "tang_driver('<fixtures dir>', '<out.csv>')"  with the evaluator's Evaluation/
%   folder on the path (tools/golden/tang.sh does all this).
% Per triple it prepares the inputs as analysis_Reference.m does (uint8 for EN and MI, im2double*255 for the
% rest) and calls it with easy=1 (EN MI PSNR MSE SF SD VIF AG CC SCD Qabf). Of the easy=0 set, Octave lacks
% MATLAB's ssim, dwt2('dmey') and an edge() that takes 0-255 doubles, so SSIM, FMI_w and FMI_pixel (edge
% features) cannot run; we call the others as analysis_Reference calls them: analysis_nabf(A, B, F) (its
% argument order), analysis_ms_ssim(cat(3, A, B), F), analysis_fmi(A, B, F, 'dct'), and, to check the FMI
% window core, analysis_fmi(A, B, F, 'none'). Octave runs FMI's per-window loops at ~20 windows a second, so the
% FMI columns (_c48) are of the central 48x48 of each triple (rows and columns 41-88 of the 128x128 crop).
function tang_driver(fixtures, out)
  pkg load image
  pkg load signal
  warning('off', 'all');
  ids = textscan(fopen(fullfile(fixtures, 'index.csv')), '%s %*s %*s', 'Delimiter', ',', 'HeaderLines', 1);
  ids = ids{1};
  fh = fopen(out, 'w');
  fprintf(fh, 'id,EN,MI,PSNR,MSE,SF,SD,VIF,AG,CC,SCD,Qabf,Nabf,MS_SSIM,FMI_dct_c48,FMI_none_c48\n');
  for k = 1:numel(ids)
    id = ids{k};
    F = imread(fullfile(fixtures, 'F', [id '.png']));
    A = imread(fullfile(fixtures, 'A', [id '.png']));
    B = imread(fullfile(fixtures, 'B', [id '.png']));
    [EN, SF, SD, PSNR, MSE, MI, VIF, AG, CC, SCD, Qabf] = analysis_Reference(F, A, B, 1);
    a = im2double(A) * 255.0; b = im2double(B) * 255.0; f = im2double(F) * 255.0;
    Nabf = analysis_nabf(a, b, f);
    seq = zeros(size(a, 1), size(a, 2), 2); seq(:, :, 1) = a; seq(:, :, 2) = b;
    MS_SSIM = analysis_ms_ssim(seq, f);
    c = 41:88;
    FMI_dct = analysis_fmi(a(c, c), b(c, c), f(c, c), 'dct');
    FMI_none = analysis_fmi(a(c, c), b(c, c), f(c, c), 'none');
    fprintf(fh, '%s,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n', ...
            id, EN, MI, PSNR, MSE, SF, SD, VIF, AG, CC, SCD, Qabf, Nabf, MS_SSIM, FMI_dct, FMI_none);
    fflush(fh);
    printf('%s done\n', id); fflush(stdout);
  end
  fclose(fh);
end
