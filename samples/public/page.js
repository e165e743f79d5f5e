/* The sample's browser page: Web Chat talking to the bot through the sample's local Direct Line at /directline. */
(function () {
    'use strict';

    var status = document.getElementById('status');

    /* A user id that stays the same for this tab (across reloads), so the bot sees one user per tab. */
    function tabUserId() {
        var key = 'botbuilder-inactivity-sample:userId';
        var id;
        try {
            id = window.sessionStorage.getItem(key);
        } catch (e) {
            id = null;
        }
        if (!id) {
            var bytes = new Uint8Array(8);
            window.crypto.getRandomValues(bytes);
            id =
                'web-' +
                Array.prototype.map
                    .call(bytes, function (b) {
                        return ('0' + b.toString(16)).slice(-2);
                    })
                    .join('');
            try {
                window.sessionStorage.setItem(key, id);
            } catch (e) {
                /* private mode: the id lasts for this page load only */
            }
        }
        return id;
    }

    if (!window.WebChat) {
        status.className = 'error';
        status.textContent = 'Web Chat did not load (/webchat.js). Is the botframework-webchat dev dependency installed?';
        return;
    }

    /* The browser's language becomes each activity's locale; ?locale=pt-BR overrides it for a quick check. */
    var locale = new URLSearchParams(window.location.search).get('locale') || window.navigator.language || 'en-US';
    var userID = tabUserId();

    var directLine = window.WebChat.createDirectLine({
        token: 'x' /* offline-directline accepts any token */,
        domain: window.location.origin + '/directline',
        webSocket: false /* offline-directline only polls */,
    });

    window.WebChat.renderWebChat(
        {
            directLine: directLine,
            userID: userID,
            username: 'You',
            locale: locale,
            styleOptions: {
                hideUploadButton: true,
                botAvatarInitials: 'Bot',
                userAvatarInitials: 'You',
                bubbleBorderRadius: 8,
                bubbleFromUserBorderRadius: 8,
            },
        },
        document.getElementById('webchat')
    );

    status.dataset.userId = userID;
    status.dataset.locale = locale;
    status.textContent = 'Language ' + locale + ' \u00b7 user ' + userID + ' \u00b7 Direct Line ' + window.location.origin + '/directline';
})();
