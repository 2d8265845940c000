#!/usr/bin/env bash
# The macOS disk image: dist/Lowlight-<version>-macOS-<arch>.dmg, holding Lowlight.app and a link
# to /Applications to drag it onto (the way Mac apps are installed).
#
#     pyinstaller --noconfirm --clean build.spec     # makes dist/Lowlight.app
#     packaging/make_dmg.sh                          # prints the .dmg's path
#
# The app is not signed with a Developer ID nor notarized (docs/PACKAGING.md): the first start
# from a downloaded image needs right-click > Open (or System Settings > Privacy & Security).
set -euo pipefail
cd "$(dirname "$0")/.."

app=dist/Lowlight.app
if [ ! -d "$app" ]; then
    echo "make_dmg: no $app; build it first: pyinstaller --noconfirm --clean build.spec" >&2
    exit 1
fi
version=$(/usr/libexec/PlistBuddy -c "Print :CFBundleShortVersionString" "$app/Contents/Info.plist")
arch=$(lipo -archs "$app/Contents/MacOS/Lowlight")  # what was built, not the machine
dmg="dist/Lowlight-$version-macOS-${arch// /+}.dmg"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
ditto "$app" "$stage/Lowlight.app"  # ditto keeps the bundle's links, modes and signature
ln -s /Applications "$stage/Applications"
rm -f "$dmg"
# hdiutil now and then fails on CI machines with "Resource busy": try again a little later
for attempt in 1 2 3; do
    if hdiutil create -volname Lowlight -srcfolder "$stage" -fs HFS+ -format UDZO -ov "$dmg" >&2; then
        echo "$dmg"
        exit 0
    fi
    sleep $((attempt * 10))
done
echo "make_dmg: hdiutil could not create $dmg" >&2
exit 1
