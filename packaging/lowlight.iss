; Inno Setup 6 script: the Windows installer, dist\installer\Lowlight-<version>-Windows-x64-Setup.exe.
;
;     pyinstaller --noconfirm --clean build.spec
;     iscc /DAppVersion=0.1.0 packaging\lowlight.iss
;
; (Inno Setup: https://jrsoftware.org/isinfo.php, or `choco install innosetup`; the CI workflow
; builds it on windows-latest, installs it silently and self-tests the installed app.)
; It installs dist\Lowlight (the one-folder app) for the current user without asking for an
; administrator (or for all users when run as one), adds a Start menu entry, optionally a desktop
; icon, and puts Lowlight in Explorer's "Open with" for every photo type it reads, without taking
; the default app from anyone. The lists below follow lowlight_gui/core/formats.py
; (tests/test_packaging.py checks that they do). Uninstalling removes all of it.

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=0.1.0 packaging\lowlight.iss
#endif

[Setup]
AppId={{A264DDE5-AC03-4C85-AFBD-267DC570A757}
AppName=Lowlight
AppVersion={#AppVersion}
AppVerName=Lowlight {#AppVersion}
AppPublisher=Lowlight
DefaultDirName={autopf}\Lowlight
DefaultGroupName=Lowlight
DisableProgramGroupPage=yes
; per user by default (no administrator needed); an administrator may install for everyone
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog commandline
; the bundle is 64-bit (PyInstaller builds for the Python it runs in)
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\dist\installer
OutputBaseFilename=Lowlight-{#AppVersion}-Windows-x64-Setup
SetupIconFile=..\resources\icons\lowlight.ico
UninstallDisplayIcon={app}\Lowlight.exe
UninstallDisplayName=Lowlight
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ChangesAssociations=yes
CloseApplications=yes

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "..\dist\Lowlight\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\Lowlight"; Filename: "{app}\Lowlight.exe"
Name: "{autodesktop}\Lowlight"; Filename: "{app}\Lowlight.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\Lowlight.exe"; Description: "{cm:LaunchProgram,Lowlight}"; Flags: nowait postinstall skipifsilent

[Registry]
; "Open with": the application as Explorer lists it, the types it opens, and a ProgID each
; photo type lists in OpenWithProgids (the default app for the type stays as it was)
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe"; ValueType: string; ValueName: "FriendlyAppName"; ValueData: "Lowlight"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\Lowlight.exe,0"
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\Lowlight.exe"" ""%1"""
Root: HKA; Subkey: "Software\Classes\Lowlight.Photo"; ValueType: string; ValueName: ""; ValueData: "Photo (Lowlight)"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\Lowlight.Photo\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\Lowlight.exe,0"
Root: HKA; Subkey: "Software\Classes\Lowlight.Photo\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\Lowlight.exe"" ""%1"""
; the photo types it reads (core/formats.py)
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".jpg"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".jpeg"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".png"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".tif"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".tiff"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".webp"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".bmp"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".heic"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".heif"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".dng"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".cr2"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".cr3"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".crw"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".nef"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".nrw"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".arw"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".srf"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".sr2"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".raf"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".orf"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".rw2"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".rwl"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".raw"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".pef"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".ptx"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".kdc"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".dcr"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".dcs"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".k25"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".mrw"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".3fr"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".fff"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".iiq"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".cap"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".mos"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".mef"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".erf"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".srw"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".x3f"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\Lowlight.exe\SupportedTypes"; ValueType: string; ValueName: ".bay"; ValueData: ""
; ...and each type's Open with list
Root: HKA; Subkey: "Software\Classes\.jpg\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.jpeg\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.png\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.tif\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.tiff\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.webp\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.bmp\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.heic\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.heif\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.dng\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.cr2\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.cr3\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.crw\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.nef\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.nrw\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.arw\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.srf\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.sr2\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.raf\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.orf\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.rw2\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.rwl\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.raw\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.pef\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.ptx\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.kdc\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.dcr\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.dcs\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.k25\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.mrw\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.3fr\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.fff\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.iiq\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.cap\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.mos\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.mef\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.erf\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.srw\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.x3f\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.bay\OpenWithProgids"; ValueType: string; ValueName: "Lowlight.Photo"; ValueData: ""; Flags: uninsdeletevalue
